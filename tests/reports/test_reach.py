"""Reach: the ledger keeps each change of the figures; pull_reach asks the real sandboxes (over
HTTP on 127.0.0.1) for what was published there and stores their deterministic figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from channels.sandbox_server import start_sandbox
from channels.wechat import sandbox_pages as wechat_pages
from channels.wechat.sandbox import WeChatSandboxConfig
from channels.weibo import sandbox_pages as weibo_pages
from publisher.ledger import State, open_ledger
from publisher.office.export import export_json
from publisher.publish.execute import publish_publication
from publisher.publish.reach import pull_reach
from publisher.runtime.context import SchedulingSettings, open_runtime
from publisher.settings import Settings
from tests.publish_fixtures import SECRET_ENV, plan, write_content
from tests.reports.history import TZ


def test_the_ledger_stores_changes_only_and_never_goes_back(tmp_path):
    with open_ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as ledger:
        vid = ledger.upsert_item_version("i", "h", "标题")
        pub, _ = ledger.upsert_publication("i", vid, "wechat", "wx", "r", datetime(2026, 11, 1, tzinfo=UTC))
        t0 = datetime(2026, 11, 2, tzinfo=UTC)
        assert ledger.record_reach(pub.id, measured_at=t0, reads=10, shares=1) is not None
        assert ledger.record_reach(pub.id, measured_at=t0 + timedelta(hours=1), reads=10, shares=1) is None
        assert ledger.record_reach(pub.id, measured_at=t0 - timedelta(hours=1), reads=99) is None  # older
        assert ledger.record_reach(pub.id, measured_at=t0 + timedelta(hours=2), reads=25, shares=2) is not None
        history = ledger.reach_history(pub.id)
        assert [(h.reads, h.shares) for h in history] == [(10, 1), (25, 2)]
        latest = ledger.latest_reach()
        assert latest[pub.id].reads == 25 and latest[pub.id].measured_at == t0 + timedelta(hours=2)
        assert ledger.latest_reach([]) == {} and ledger.latest_reach([pub.id + 1]) == {}


@pytest.fixture
def sandbox():
    handle = start_sandbox(wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.0))
    yield handle
    handle.stop()


def test_pull_reach_from_the_sandboxes(tmp_path, sandbox, monkeypatch):
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    content = tmp_path / "content"
    write_content(content, 1, sandbox.url, channels=("wechat", "weibo"))
    settings = Settings(state_dir=tmp_path / "state", content_dir=content)
    runtime = open_runtime(settings, shared="ledger", scheduling=SchedulingSettings(poll_seconds=0.1))
    plan(content, runtime)
    claimed = runtime.ledger.claim_due(runtime.now(), 60, 10, "test")
    assert sorted(p.channel for p in claimed) == ["wechat", "weibo"]
    for pub in claimed:
        assert publish_publication(pub.id, runtime).result == "published"
    wechat = runtime.ledger.publications(channel="wechat", state=State.PUBLISHED)[0]
    weibo = runtime.ledger.publications(channel="weibo", state=State.PUBLISHED)[0]

    first = pull_reach(runtime)
    # WeChat's datacube has figures only from the next day on; Weibo's counts at once.
    assert (first.checked, first.stored, first.unavailable, first.errors) == (2, 1, 1, [])

    sandbox.wechat.clock_shift = 86400.0  # the sandbox's "tomorrow"
    second = pull_reach(runtime, now=runtime.now() + timedelta(minutes=1))
    assert (second.checked, second.stored, second.unchanged, second.errors) == (2, 1, 1, [])
    third = pull_reach(runtime, now=runtime.now() + timedelta(minutes=2))
    assert (third.stored, third.unchanged) == (0, 2)

    latest = runtime.ledger.latest_reach()
    publish_id = int(wechat.phases["submit"]["publish_id"])
    published_day = datetime.fromisoformat(wechat.phases["published"]["published_at"]).astimezone(TZ).date()
    expected = wechat_pages.figures(publish_id, published_day, cumulative_days=1)
    assert latest[wechat.id].reads == expected["int_page_read_count"] > 0
    assert latest[wechat.id].shares == expected["share_count"]
    assert latest[wechat.id].likes is None  # the datacube total has no likes
    counts = weibo_pages.figures(int(weibo.remote_id))
    assert (latest[weibo.id].shares, latest[weibo.id].comments, latest[weibo.id].likes) == (
        counts["reposts"], counts["comments"], counts["attitudes"],
    )  # fmt: skip
    assert latest[weibo.id].reads is None  # Weibo reports no reads

    # Outside the window nothing is asked.
    later = pull_reach(runtime, now=runtime.now() + timedelta(days=40))
    assert later.checked == 0

    exported = json.loads(export_json(runtime.ledger, TZ, history=True))
    rows = {r["id"]: r for r in exported["publications"]}
    assert rows[weibo.id]["shares"] == counts["reposts"] and len(rows[weibo.id]["reach_history"]) == 1
    runtime.ledger.close()
