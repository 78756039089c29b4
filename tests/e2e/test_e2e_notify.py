"""Notifications end to end: real Celery worker processes, Redis, the channel sandboxes, a real
SMTP server and both robot sandboxes. A run with a blocked item, an unconfirmed post and an
expired token tells each configured target exactly once per event, however many notification
passes run on however many workers."""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from publish_fixtures import item_text, write_content

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
from notify_helpers import mail_target, robot_env, robot_targets, start_smtp  # noqa: E402
from scenario import Dispatcher  # noqa: E402

from publisher.ledger import State  # noqa: E402
from publisher.office.notify.sandbox import start_robot_sandbox  # noqa: E402
from publisher.schedule.dispatcher import tick  # noqa: E402
from workers.app import NOTIFY_TASK, create_app  # noqa: E402

pytestmark = [pytest.mark.redis, pytest.mark.timeout(240)]
EVENTS = '["blocked", "failed", "unconfirmed", "account-paused"]'


def test_one_message_per_event_per_target_over_ten_ticks_and_two_workers(cluster, monkeypatch):
    robots = start_robot_sandbox()
    smtp = start_smtp("starttls", cluster.tmp)
    try:
        _run(cluster, monkeypatch, robots, smtp)
    finally:
        robots.stop()
        smtp.stop()


def _run(cluster, monkeypatch, robots, smtp):
    now = datetime.now(UTC)
    content = cluster.tmp / "content"
    ids = write_content(content, 3, cluster.sandbox_url, channels=("wechat", "weibo"),
                        publish_at=now - timedelta(minutes=2), alternate=True)  # fmt: skip
    # Item 0 (WeChat): an hour from its time and without its sign-offs -> blocked.
    blocked = content / "items" / ids[0] / "index.md"
    text = item_text(0, now + timedelta(hours=1), target="wechat")
    blocked.write_text(re.sub(r"review:\n(  - .*\n)+", "", text), encoding="utf-8")
    config = content / "publisher.toml"
    targets = (mail_target(smtp, events=EVENTS) + robot_targets(robots.url)).replace(
        'name = "值班群（企业微信）"', f'name = "值班群（企业微信）"\nevents = {EVENTS}').replace(
        'name = "值班群（钉钉）"', f'name = "值班群（钉钉）"\nevents = {EVENTS}')  # fmt: skip
    config.write_text(config.read_text(encoding="utf-8") + targets, encoding="utf-8")
    cluster.extra_env.update(robot_env())
    cluster.extra_env["PUBLISHER_NOTIFY_CA_FILE"] = str(cluster.tmp / "smtp-cert.pem")
    # Item 2 (WeChat): submit answered too late -> unconfirmed. Item 1 (Weibo): token expired.
    sandbox = cluster.sandbox_url
    requests.post(f"{sandbox}/wechat/_admin/faults",
                  json={"timeout": {"paths": ["/cgi-bin/freepublish/submit"], "seconds": 4, "times": 1}}, timeout=5)  # fmt: skip
    requests.post(f"{sandbox}/weibo/_admin/expire_token", json={"access_token": "sandbox-token"}, timeout=5)

    cluster.start_worker(pool="prefork", concurrency=2)
    cluster.start_worker(pool="threads", concurrency=2)
    dispatcher = Dispatcher.open(cluster, monkeypatch)
    dispatcher.sync()
    ledger = dispatcher.runtime.ledger
    deadline = time.monotonic() + 90
    while True:
        # Ticks without status polls: the lost submit stays unconfirmed (no reconciliation).
        tick(dispatcher.runtime, dispatcher.executor)
        states = {r.item_id: r.state for r in ledger.publications()}
        paused = [p.account_id for p in ledger.account_pauses()]
        if states.get(ids[2]) is State.UNCONFIRMED and paused == ["wb-main"]:
            break
        assert time.monotonic() < deadline, (states, paused, cluster.logs())
        time.sleep(0.3)
    assert states[ids[0]] is State.BLOCKED

    # Ten notification ticks, each sent twice: both worker processes run them.
    app = create_app()
    for _ in range(10):
        app.send_task(NOTIFY_TASK)
        app.send_task(NOTIFY_TASK)
        time.sleep(0.4)
    deadline = time.monotonic() + 60
    while ledger.notice_counts() != {"sent": 9}:
        assert time.monotonic() < deadline, (ledger.notices(), cluster.logs())
        time.sleep(0.3)
    time.sleep(3)  # let any late task finish: it must not send again

    wecom = Counter(m["content"].split("\n")[0] for m in robots.app.messages if m["robot"] == "wecom")
    ding = Counter(m["title"] for m in robots.app.messages if m["robot"] == "dingtalk")
    mail = Counter(r.subject.removeprefix("【发布提醒】") for r in smtp.box.received)
    expected = {
        "稿件受阻：第0号：政务数据共享工作推进会召开",
        "发布结果未确认：第2号：数据安全管理工作推进会召开",
        "账号暂停发布：测试微博（wb-main）",
    }
    assert set(mail) == expected and set(mail.values()) == {1}, mail
    assert ding == mail, ding
    assert Counter({k.removeprefix("### "): v for k, v in wecom.items()}) == mail, wecom
    assert {tuple(sorted(r.recipients)) for r in smtp.box.received} == {("duty@example.gov.cn", "office@example.gov.cn")}
    assert ledger.notice_counts() == {"sent": 9}
