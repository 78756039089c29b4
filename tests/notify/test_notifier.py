"""The notifier over a real ledger: each event once per target however often it runs; a robot's
rate-limit answer delays and never drops; failed sends are retried."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from notify_helpers import mail_target, robot_targets

from publisher.ledger import State
from publisher.office.notify import notify_once
from publisher.runtime.context import open_runtime
from publisher.settings import Settings

MATRIX = """\
timezone = "Asia/Shanghai"

[[accounts]]
id = "wx-main"
name = "测试公众号"
channel = "wechat"

[[accounts]]
id = "wb-main"
name = "测试微博"
channel = "weibo"

[notify]
digest_at = "00:00"
{targets}
"""


class Clock:
    def __init__(self):
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def office(tmp_path, robots, smtp_factory, secrets):
    smtp = smtp_factory("starttls")
    content = tmp_path / "content"
    content.mkdir()
    (content / "publisher.toml").write_text(
        MATRIX.format(targets=mail_target(smtp) + robot_targets(robots.url)), encoding="utf-8")  # fmt: skip
    clock = Clock()
    runtime = open_runtime(Settings(state_dir=tmp_path / "state", content_dir=content), shared="ledger", clock=clock)
    yield runtime, smtp, robots, clock
    runtime.ledger.close()


def make_events(runtime) -> None:
    """A blocked item an hour before its time, a failed and an unconfirmed post, an expired
    token (account paused), a freeze and its lifting."""
    ledger, now = runtime.ledger, datetime.now(UTC)
    v1 = ledger.upsert_item_version("2026/12/blocked", "h1", "数据安全宣传周启动", publish_at=now + timedelta(hours=1))
    ledger.upsert_publication("2026/12/blocked", v1, "wechat", "wx-main", "r1", now + timedelta(hours=1),
                              blocked_reason="缺少终审签发")  # fmt: skip
    for item, title, end in (("2026/12/failed", "政务数据共享推进会", "failed"),
                             ("2026/12/lost", "公共数据开放评估", "unconfirmed")):  # fmt: skip
        vid = ledger.upsert_item_version(item, "h-" + item, title, publish_at=now - timedelta(minutes=5))
        pub, _ = ledger.upsert_publication(item, vid, "weibo", "wb-main", "r-" + item, now - timedelta(minutes=5))
        (claimed,) = ledger.claim_due(now, 30, 10, "w1")
        started = ledger.start(claimed.id, "w1")
        if end == "failed":
            ledger.finish_failed(started.id, 20019, "微博返回 20019：重复内容", attempt=started.attempts)
        else:
            ledger.mark_unconfirmed(started.id, "timeout", "渠道未在时限内答复", attempt=started.attempts)
    ledger.pause_account("wx-main", now + timedelta(days=7), "访问令牌已过期（重新授权后运行 publisher unfreeze --account wx-main）")
    ledger.freeze("全国哀悼日", by="editor")
    ledger.unfreeze(by="editor")


EXPECTED = {"blocked", "failed", "unconfirmed", "account-paused", "freeze", "digest"}


def titles(robots, smtp) -> dict[str, Counter]:
    wecom = Counter(m["content"].split("\n")[0] for m in robots.app.messages if m["robot"] == "wecom")
    ding = Counter(m["title"] for m in robots.app.messages if m["robot"] == "dingtalk")
    mail = Counter(r.subject.removeprefix("【发布提醒】") for r in smtp.box.received)
    return {"wecom": Counter({k.removeprefix("### "): v for k, v in wecom.items()}), "dingtalk": ding, "mail": mail}


def test_each_event_once_per_target_over_many_passes(office):
    runtime, smtp, robots, clock = office
    make_events(runtime)
    for _ in range(5):
        notify_once(runtime)
        clock.at += timedelta(seconds=1)
    seen = titles(robots, smtp)
    assert seen["wecom"] == seen["dingtalk"] == seen["mail"], seen
    assert set(seen["mail"].values()) == {1}, seen["mail"]
    events = Counter(n.event for n in runtime.ledger.notices(target_id="duty-wecom"))
    assert set(events) == EXPECTED and events["freeze"] == 2, events  # freeze + unfreeze
    assert len(seen["mail"]) == 7
    assert "稿件受阻：数据安全宣传周启动" in seen["mail"]
    assert "发布失败：政务数据共享推进会" in seen["mail"]
    assert "发布结果未确认：公共数据开放评估" in seen["mail"]
    assert "账号暂停发布：测试公众号（wx-main）" in seen["mail"]
    (blocked,) = [r for r in smtp.box.received if "稿件受阻" in r.subject]
    text = blocked.text()
    assert "原因：缺少终审签发" in text and "publisher check items/2026/12/blocked" in text
    (lost,) = [m for m in robots.app.messages if m["robot"] == "wecom" and m["content"].startswith("### 发布结果未确认")]
    assert "publisher retry 2026/12/lost --account wb-main --not-posted" in lost["content"]
    assert runtime.ledger.notice_counts() == {"sent": 21}


def test_rate_limit_answer_delays_never_drops(office):
    runtime, smtp, robots, clock = office
    make_events(runtime)
    requests.post(f"{robots.url}/_admin/faults", json={"per_minute": 3}, timeout=5)
    first = notify_once(runtime)
    assert first.deferred >= 8  # 4 of 7 per robot answered 45009 / 130101
    by_robot = Counter(m["robot"] for m in robots.app.messages)
    assert by_robot == {"wecom": 3, "dingtalk": 3}
    rejected = Counter(r["errcode"] for r in robots.app.rejected)
    assert rejected[45009] >= 1 and rejected[130101] >= 1
    pending = runtime.ledger.notices(state="pending")
    assert len(pending) == 8 and all(n.attempts == 0 for n in pending)  # not counted as failures
    assert all("限流" in (n.last_error or "") or "45009" in (n.last_error or "") or "130101" in (n.last_error or "")
               for n in pending)  # fmt: skip
    notify_once(runtime)  # still inside the delay: nothing new is tried
    assert len(robots.app.messages) == 6
    requests.post(f"{robots.url}/_admin/faults", json={"per_minute": 100}, timeout=5)
    clock.at += timedelta(seconds=61)
    notify_once(runtime)
    seen = titles(robots, smtp)
    assert seen["wecom"] == seen["dingtalk"] == seen["mail"] and set(seen["wecom"].values()) == {1}
    assert len(seen["wecom"]) == 7


def test_failed_send_is_retried_later(office):
    runtime, smtp, robots, clock = office
    runtime.ledger.freeze("演练", by="editor")
    requests.post(f"{robots.url}/_admin/faults", json={"fail_next": 1}, timeout=5)
    report = notify_once(runtime)
    assert report.failed == 1 and report.sent == 5  # freeze + digest to three targets, one refused
    (waiting,) = runtime.ledger.notices(state="pending")
    assert waiting.attempts == 1 and "HTTP 500" in waiting.last_error
    assert waiting.next_attempt_at == clock.at + timedelta(seconds=30)
    clock.at += timedelta(seconds=31)
    assert notify_once(runtime).sent == 1
    assert runtime.ledger.notice_counts() == {"sent": 6}


def test_gives_up_after_max_attempts_and_status_says_why(office, monkeypatch):
    runtime, smtp, robots, clock = office
    monkeypatch.setenv("PUBLISHER_SECRET_DUTY_WECOM_KEY", "not-a-key")
    config = runtime.settings.content_dir / "publisher.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'digest_at = "00:00"', 'digest_at = "00:00"\nmax_attempts = 3'), encoding="utf-8")  # fmt: skip
    runtime.ledger.freeze("演练", by="editor")
    for _ in range(4):
        notify_once(runtime)
        clock.at += timedelta(minutes=10)
    failed = runtime.ledger.notices(state="failed", event="freeze")
    assert [(n.target_id, n.attempts) for n in failed] == [("duty-wecom", 3)]
    assert {n.target_id for n in runtime.ledger.notices(state="failed")} == {"duty-wecom"}
    assert "93000" in failed[0].last_error and "not-a-key" not in failed[0].last_error


def test_blocked_far_from_its_time_waits(office):
    runtime, smtp, robots, clock = office
    ledger, now = runtime.ledger, datetime.now(UTC)
    vid = ledger.upsert_item_version("2026/12/later", "h", "下周的稿件", publish_at=now + timedelta(days=3))
    ledger.upsert_publication("2026/12/later", vid, "wechat", "wx-main", "r", now + timedelta(days=3),
                              blocked_reason="缺少复审签发")  # fmt: skip
    notify_once(runtime)
    assert not runtime.ledger.notices(event="blocked")
    clock.at = now + timedelta(days=3) - timedelta(hours=1)
    notify_once(runtime)
    assert len(runtime.ledger.notices(event="blocked")) == 3  # one per target


def test_publish_state_is_untouched_by_notifying(office):
    runtime, smtp, robots, clock = office
    make_events(runtime)
    before = [(p.id, p.state, p.updated_at) for p in runtime.ledger.publications()]
    notify_once(runtime)
    assert [(p.id, p.state, p.updated_at) for p in runtime.ledger.publications()] == before
    assert {p.state for p in runtime.ledger.publications()} == {State.BLOCKED, State.FAILED, State.UNCONFIRMED}

