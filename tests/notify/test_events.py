"""Events the notifier reads that the other tests do not reach: the 14-day silence line and the
inspection's broken links; and the messages' content (item, reason, fixing command)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from publisher.content.matrix import Matrix
from publisher.ledger import open_ledger
from publisher.office.notify.events import link_events, silence_events

MATRIX = Matrix.model_validate({
    "accounts": [
        {"id": "wx-main", "name": "测试公众号", "channel": "wechat"},
        {"id": "wb-main", "name": "测试微博", "channel": "weibo"},
        {"id": "portal", "name": "门户网站", "channel": "site"},
    ],
})  # fmt: skip


@pytest.fixture
def ledger(tmp_path):
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as opened:
        yield opened


def published(ledger, account: str, channel: str, at: datetime) -> None:
    vid = ledger.upsert_item_version(f"item-{account}", f"h-{account}", "标题", publish_at=at, now=at)
    ledger.upsert_publication(f"item-{account}", vid, channel, account, "r", at, now=at)
    (row,) = ledger.claim_due(at, 30, 10, "w", )
    ledger.start(row.id, "w", now=at)
    ledger.finish_published(row.id, "remote", "http://example.invalid/p", attempt=row.attempts + 1, now=at)


def test_silence_from_day_ten_once_per_spell(ledger):
    now = datetime.now(UTC)
    published(ledger, "wx-main", "wechat", now - timedelta(days=11, hours=1))
    published(ledger, "wb-main", "weibo", now - timedelta(days=3))
    published(ledger, "portal", "site", now - timedelta(days=30))  # the site is judged on its pages
    (event,) = silence_events(ledger, MATRIX, now)
    assert event.kind == "silence" and event.message.item == "wx-main"
    assert "已 11 天未更新" in event.message.reason and "再过 3 天即超过 14 天红线" in event.message.reason
    assert "publisher plan" in event.message.fix
    later = silence_events(ledger, MATRIX, now + timedelta(days=2))
    assert [e.key for e in later] == [event.key]  # same spell, same key: told once
    assert "再过 1 天" in later[0].message.reason


def test_broken_links_from_the_saved_inspection(tmp_path):
    assert link_events(tmp_path) == []
    saved = tmp_path / "inspection" / "latest.json"
    saved.parent.mkdir()
    findings = [
        {"code": "link-broken", "subject": "/news/missing.html", "where": "/news/a.html",
         "message": "页面 /news/a.html 中的链接 /news/missing.html 无法访问"},
        {"code": "account-stale", "subject": "wx-main", "message": "僵尸号"},
    ]  # fmt: skip
    saved.write_text(json.dumps({"findings": findings}, ensure_ascii=False), encoding="utf-8")
    (event,) = link_events(tmp_path)
    assert event.kind == "broken-links" and event.message.title == "网站发现 1 处失效链接或图片"
    assert event.message.lines == ["/news/a.html → /news/missing.html"]
    assert "publisher inspect" in event.message.fix
    assert link_events(tmp_path)[0].key == event.key  # the same broken set is one event
