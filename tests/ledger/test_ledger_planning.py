"""The planner's upserts: create once, rewrite only unclaimed rows, never touch published ones."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta

from publisher.ledger import State

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
S = State


def _version(ledger, source_hash="h1", item_id="2025-03-01-news"):
    return ledger.upsert_item_version(
        item_id,
        source_hash,
        "春季防火通知",
        department="办公室",
        publish_at=T0,
        commit="abc123",
        now=T0,
    )


def test_item_version_is_created_once(ledger):
    first = _version(ledger)
    assert _version(ledger) == first
    assert _version(ledger, "h2") != first
    stored = ledger.item_version(first)
    assert stored.title == "春季防火通知" and stored.publish_at == T0 and not stored.draft


def test_upsert_create_skip_update(ledger):
    v1 = _version(ledger)
    pub, action = ledger.upsert_publication("2025-03-01-news", v1, "weibo", "wb", "r1", T0)
    assert action == "create" and pub.state is S.SCHEDULED and not pub.manual
    same, action = ledger.upsert_publication("2025-03-01-news", v1, "weibo", "wb", "r1", T0)
    assert action == "skip" and same.id == pub.id

    v2 = _version(ledger, "h2")
    later = T0 + timedelta(hours=2)
    moved, action = ledger.upsert_publication("2025-03-01-news", v2, "weibo", "wb", "r2", later)
    assert action == "update" and moved.id == pub.id
    assert (moved.item_version_id, moved.rendition_hash, moved.scheduled_at) == (v2, "r2", later)
    update = ledger.history("2025-03-01-news")[-1]
    assert update.event == "update" and set(update.detail) == {
        "item_version_id",
        "rendition_hash",
        "scheduled_at",
    }


def test_blocked_and_unblocked(ledger):
    v = _version(ledger)
    pub, action = ledger.upsert_publication("i", v, "wechat", "wx", "r", T0, "缺少终审签发")
    assert action == "create" and pub.state is S.BLOCKED and pub.blocked_reason == "缺少终审签发"
    assert ledger.claim_due(T0, 5, 10, "d") == []
    pub, action = ledger.upsert_publication("i", v, "wechat", "wx", "r", T0)
    assert action == "update" and pub.state is S.SCHEDULED and pub.blocked_reason is None
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [pub.id]


def test_claimed_and_published_rows_are_left_alone(ledger):
    v = _version(ledger)
    pub, _ = ledger.upsert_publication("i", v, "weibo", "wb", "r1", T0)
    ledger.claim_due(T0, 5, 10, "d")
    same, action = ledger.upsert_publication("i", v, "weibo", "wb", "r2", T0)
    assert action == "skip" and same.state is S.QUEUED and same.rendition_hash == "r1"
    ledger.start(pub.id, "w", now=T0)
    ledger.finish_published(pub.id, "R", "u", now=T0)
    same, action = ledger.upsert_publication("i", v, "weibo", "wb", "r2", T0)
    assert action == "skip" and same.state is S.PUBLISHED and same.rendition_hash == "r1"
    # the planner sees the difference itself and reports "changed since published"
    assert same.rendition_hash != "r2"


def test_cancelled_target_stays_cancelled(ledger):
    v = _version(ledger)
    pub, _ = ledger.upsert_publication("i", v, "weibo", "wb", "r1", T0)
    ledger.cancel(pub.id, "不再发布")
    again, action = ledger.upsert_publication("i", v, "weibo", "wb", "r2", T0)
    assert action == "skip" and again.state is S.CANCELLED
    assert len(ledger.publications(item_id="i")) == 1


def test_republish_makes_a_new_manual_row(ledger):
    v = _version(ledger)
    pub, _ = ledger.upsert_publication("i", v, "weibo", "wb", "r1", T0)
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    ledger.finish_published(pub.id, "R", "u", now=T0)
    manual = ledger.create_manual("i", v, "weibo", "wb", "r2", T0, reason="更正后重发")
    assert manual.id != pub.id and manual.manual and manual.state is S.SCHEDULED
    assert ledger.get(pub.id).state is S.PUBLISHED
    assert ledger.history(publication_id=manual.id)[0].actor == getpass.getuser()
    # the planner still sees its own (published) row, not the manual one
    assert ledger.upsert_publication("i", v, "weibo", "wb", "r2", T0)[0].id == pub.id


def test_filters(ledger):
    v = _version(ledger)
    a, _ = ledger.upsert_publication("i", v, "weibo", "wb", "r", T0)
    b, _ = ledger.upsert_publication("i", v, "wechat", "wx", "r", T0, "缺签发")
    c, _ = ledger.upsert_publication("j", v, "weibo", "wb", "r", T0)
    assert [p.id for p in ledger.publications(item_id="i")] == [a.id, b.id]
    assert [p.id for p in ledger.publications(state=S.BLOCKED)] == [b.id]
    assert [p.id for p in ledger.publications(state=["blocked", "scheduled"])] == [a.id, b.id, c.id]
    assert [p.id for p in ledger.publications(account_id="wb")] == [a.id, c.id]
    assert ledger.get(10_000) is None


def test_manual_commands_audit_the_os_user(ledger):
    v = _version(ledger)
    pub, _ = ledger.upsert_publication("i", v, "weibo", "wb", "r", T0)
    ledger.cancel(pub.id, "不发了")
    ledger.freeze("全国哀悼日")
    ledger.unfreeze()
    events = {h.event: h.actor for h in ledger.history()}
    user = getpass.getuser()
    assert events["cancel"] == events["freeze"] == events["unfreeze"] == user
    assert events["create"] == "planner"
