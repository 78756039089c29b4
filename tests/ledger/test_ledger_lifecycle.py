"""The executor's path through the ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from publisher.ledger import ClaimLost, State

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
S = State


def test_happy_path_records_every_step(ledger, add_pub):
    pub = add_pub()
    claimed = ledger.claim_due(T0, 5, 10, "dispatcher-1")
    assert [p.id for p in claimed] == [pub.id]
    assert claimed[0].state is S.QUEUED and claimed[0].claimed_by == "dispatcher-1"

    started = ledger.start(pub.id, "worker-1", now=T0)
    assert started.state is S.PUBLISHING and started.attempts == 1
    ledger.record_phase(pub.id, "draft", {"media_id": "M1"}, attempt=1, now=T0)
    ledger.record_phase(pub.id, "draft", {"thumb": "T1"}, attempt=1, now=T0)
    ledger.record_phase(pub.id, "submit", {"publish_id": "P1"}, attempt=1, now=T0)
    done = ledger.finish_published(pub.id, "A1", "https://mp.example/s/A1", attempt=1, now=T0)

    assert done.state is S.PUBLISHED and done.remote_id == "A1" and done.published_at == T0
    assert done.phases == {
        "draft": {"media_id": "M1", "thumb": "T1"},
        "submit": {"publish_id": "P1"},
    }
    events = [(h.event, h.from_state, h.to_state, h.actor) for h in ledger.history(pub.item_id)]
    assert events == [
        ("create", None, S.SCHEDULED, "planner"),
        ("claim", S.SCHEDULED, S.QUEUED, "dispatcher-1"),
        ("start", S.QUEUED, S.PUBLISHING, "worker-1"),
        ("phase", S.PUBLISHING, S.PUBLISHING, "worker-1"),
        ("phase", S.PUBLISHING, S.PUBLISHING, "worker-1"),
        ("phase", S.PUBLISHING, S.PUBLISHING, "worker-1"),
        ("published", S.PUBLISHING, S.PUBLISHED, "worker-1"),
    ]


def test_start_returns_the_planned_versions_hash(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    started = ledger.start(pub.id, "w1", now=T0)
    assert started.version_hash == ledger.item_version(pub.item_version_id).source_hash == f"src-{pub.item_id}"
    assert ledger.get(pub.id).version_hash is None  # only the start's own RETURNING carries it


def test_duplicate_delivery_starts_once(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    assert ledger.start(pub.id, "w1", now=T0) is not None
    assert ledger.start(pub.id, "w2", now=T0) is None
    assert ledger.get(pub.id).attempts == 1 and ledger.get(pub.id).claimed_by == "w1"


def test_not_due_and_backoff_are_not_claimed(ledger, add_pub):
    later = add_pub("later", at=T0 + timedelta(minutes=10))
    soon = add_pub("soon", at=T0 + timedelta(seconds=3))
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [soon.id]
    assert ledger.claim_due(T0, 5, 10, "d") == []

    ledger.start(soon.id, "w", now=T0)
    backoff = T0 + timedelta(seconds=60)
    again = ledger.requeue(soon.id, backoff, 502, "渠道暂时不可用", attempt=1, now=T0)
    assert again.state is S.SCHEDULED and again.attempts == 1 and again.not_before == backoff
    assert ledger.history(soon.item_id)[-1].actor == "w"
    assert ledger.claim_due(T0 + timedelta(seconds=59), 5, 10, "d") == []
    assert [p.id for p in ledger.claim_due(backoff, 5, 10, "d")] == [soon.id]
    assert ledger.start(soon.id, "w", now=backoff).attempts == 2
    assert ledger.get(later.id).state is S.SCHEDULED


def test_claim_limit_and_order(ledger, add_pub):
    pubs = [add_pub(f"i{n}", at=T0 - timedelta(minutes=n)) for n in range(5)]
    first = ledger.claim_due(T0, 0, 2, "d")
    assert [p.id for p in first] == [pubs[4].id, pubs[3].id]  # most overdue first


def test_attempt_fence_stops_a_stale_worker(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "slow", now=T0)
    # the slow worker is presumed dead; nothing was sent, so the row is scheduled again
    later = T0 + timedelta(minutes=30)
    [recovered] = ledger.recover_stale(timedelta(minutes=10), now=later)
    assert recovered.state is S.SCHEDULED
    ledger.claim_due(later, 5, 10, "d")
    assert ledger.start(pub.id, "fresh", now=later).attempts == 2

    with pytest.raises(ClaimLost):  # the slow one wakes up: it must not send anything
        ledger.record_phase(pub.id, "submit", {"intent": True}, attempt=1, now=later)
    assert ledger.finish_published(pub.id, "X", None, attempt=1, now=later) is None
    assert ledger.get(pub.id).phases == {"submit": {"intent": True}}  # the fact is still kept
    assert ledger.finish_published(pub.id, "Y", None, attempt=2, now=later).remote_id == "Y"


def test_recover_stale_rule(ledger, add_pub):
    queued, unsent, sent = add_pub("q"), add_pub("u"), add_pub("s")
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(unsent.id, "w", now=T0)
    ledger.start(sent.id, "w", now=T0)
    ledger.record_phase(sent.id, "submit", {"request": "sent"}, attempt=1, now=T0)

    assert ledger.recover_stale(timedelta(minutes=5), now=T0 + timedelta(minutes=4)) == []
    moved = ledger.recover_stale(timedelta(minutes=5), now=T0 + timedelta(minutes=6))
    assert {p.id: p.state for p in moved} == {
        queued.id: S.SCHEDULED,
        unsent.id: S.SCHEDULED,
        sent.id: S.UNCONFIRMED,
    }
    assert ledger.get(sent.id).last_error_code == "worker_lost"


def test_publishing_recovery_can_wait_longer(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    later = T0 + timedelta(minutes=6)
    assert (
        ledger.recover_stale(
            timedelta(minutes=5), publishing_older_than=timedelta(hours=1), now=later
        )
        == []
    )


def test_unconfirmed_is_resolved_not_retried(ledger, add_pub):
    a, b = add_pub("a"), add_pub("b")
    ledger.claim_due(T0, 5, 10, "d")
    for pub in (a, b):
        ledger.start(pub.id, "w", now=T0)
        ledger.mark_unconfirmed(pub.id, "timeout", "发布请求超时", attempt=1, now=T0)
    assert ledger.claim_due(T0 + timedelta(days=1), 5, 10, "d") == []  # never automatic

    found = ledger.resolve_unconfirmed(a.id, published=True, remote_id="R", url="u", actor="rec")
    assert found.state is S.PUBLISHED and found.remote_id == "R"
    retried = ledger.retry(b.id, reason="渠道无此文章")
    assert retried.state is S.SCHEDULED
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [b.id]


def test_failed_then_retry_then_retract(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    failed = ledger.finish_failed(pub.id, 45009, "接口调用超过限额", attempt=1, now=T0)
    assert failed.state is S.FAILED and failed.last_error_code == "45009"
    ledger.retry(pub.id)
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    ledger.finish_published(pub.id, "R", "u", attempt=2, now=T0)

    assert ledger.start_retract(pub.id, "信息有误").state is S.RETRACTING
    assert ledger.fail_retract(pub.id, 1, "删除失败").state is S.PUBLISHED
    ledger.start_retract(pub.id, "信息有误")
    assert ledger.finish_retract(pub.id).state is S.RETRACTED
    assert ledger.finish_retract(pub.id) is None


def test_times_come_back_aware_utc(ledger, add_pub):
    beijing = datetime(2025, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    pub = add_pub(at=beijing)
    for value in (pub.scheduled_at, ledger.get(pub.id).scheduled_at, ledger.get(pub.id).created_at):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    assert ledger.get(pub.id).scheduled_at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    assert ledger.history(pub.item_id)[0].at.utcoffset() == timedelta(0)
    # 09:00 Beijing is 01:00 UTC: due at 01:00:00 UTC, not a second before
    assert ledger.claim_due(T0 - timedelta(seconds=1), 0, 10, "d") == []
    assert len(ledger.claim_due(T0, 0, 10, "d")) == 1


def test_naive_datetimes_are_refused(ledger, add_pub):
    with pytest.raises(Exception, match="naive"):
        add_pub(at=datetime(2025, 3, 1, 9, 0))


def test_secrets_are_scrubbed_from_stored_errors(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    message = "POST /cgi-bin/draft/add?access_token=ACCESS123&x=1 失败; secret=S3CR3T"
    ledger.finish_failed(pub.id, 40001, message, attempt=1, now=T0)
    stored = ledger.get(pub.id).last_error_message
    assert "ACCESS123" not in stored and "S3CR3T" not in stored and "access_token=***" in stored
    assert "ACCESS123" not in str(ledger.history(pub.item_id)[-1].detail)
