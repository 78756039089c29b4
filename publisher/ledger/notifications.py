"""The notification outbox: one row per (event, target), delivered at least once, queued once.

    ledger.enqueue_notice(event_key, target_id, event, message, now=...)   # True if new
    for row in ledger.claim_notices(now, worker, limit):                    # leased to us
        ... send ... ; ledger.notice_sent(row.id, worker) / notice_retry(...) / notice_defer(...)

Notifications are consumers of ledger events and never sit on the publishing path (DESIGN.md,
decision 11). The unique (event_key, target_id) is the deduplication: a second tick, a second
worker or a restarted process that sees the same event inserts nothing. A claim is a lease: a
worker that dies mid-send leaves the row to be sent again once the lease runs out (a repeated
message is better than a lost one; the window is one send).

Declared on the shared `metadata` and created by migration 0003_notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    or_,
    select,
    update,
)

from publisher.ledger.columns import BigId, JSONData, UTCDateTime
from publisher.ledger.core import LedgerCore
from publisher.ledger.records import AuditEntry
from publisher.ledger.schema import audit_log, metadata
from publisher.ledger.scrub import scrub_text

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_key", String(200), nullable=False),
    Column("target_id", String(100), nullable=False),
    Column("event", String(40), nullable=False),
    Column("item_id", String(200), nullable=True),
    Column("message", JSONData, nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("event_key", "target_id"),
    Index("ix_notifications_due", "state", "next_attempt_at"),
)

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class Notice:
    id: int
    event_key: str
    target_id: str
    event: str
    item_id: str | None
    message: dict[str, Any]
    state: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row) -> Notice:
        data = dict(row)
        data["message"] = dict(data["message"] or {})
        return cls(**data)


class NotificationsMixin(LedgerCore):
    def enqueue_notice(
        self,
        event_key: str,
        target_id: str,
        event: str,
        message: dict[str, Any],
        *,
        item_id: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Queue one message for one target; False when this event already reached the queue."""
        now = self._now(now)
        stmt = (
            self._upsert(notifications)
            .values(
                event_key=event_key[:200], target_id=target_id, event=event, item_id=item_id,
                message=message, state=PENDING, attempts=0, next_attempt_at=now, created_at=now,
            )  # fmt: skip
            .on_conflict_do_nothing(index_elements=["event_key", "target_id"])
        )
        with self._write() as conn:
            return conn.execute(stmt).rowcount == 1

    def known_notice_keys(self, prefix: str) -> set[str]:
        """Event keys already queued that start with `prefix` (saves building known messages)."""
        with self._read() as conn:
            rows = conn.execute(
                select(notifications.c.event_key).where(notifications.c.event_key.startswith(prefix))
            )
            return {r[0] for r in rows}

    def claim_notices(
        self, now: datetime, worker: str, *, limit: int = 50, lease_seconds: float = 60.0
    ) -> list[Notice]:
        """Lease due pending rows to `worker`, oldest first; each row goes to one worker at a time."""
        due = (
            select(notifications.c.id)
            .where(
                notifications.c.state == PENDING,
                notifications.c.next_attempt_at <= now,
                or_(notifications.c.claimed_until.is_(None), notifications.c.claimed_until <= now),
            )
            .order_by(notifications.c.next_attempt_at, notifications.c.id)
            .limit(limit)
        )
        until = now + timedelta(seconds=lease_seconds)
        claimed: list[Notice] = []
        with self._read() as conn:
            ids = [r[0] for r in conn.execute(due)]
        for notice_id in ids:
            stmt = (
                update(notifications)
                .where(
                    notifications.c.id == notice_id,
                    notifications.c.state == PENDING,
                    or_(notifications.c.claimed_until.is_(None), notifications.c.claimed_until <= now),
                )
                .values(claimed_by=worker, claimed_until=until)
                .returning(*notifications.c)
            )
            with self._write() as conn:
                row = conn.execute(stmt).mappings().one_or_none()
            if row is not None:
                claimed.append(Notice.from_row(row))
        return claimed

    def _finish(self, notice_id: int, worker: str, values: dict[str, Any]) -> bool:
        stmt = (
            update(notifications)
            .where(
                notifications.c.id == notice_id,
                notifications.c.state == PENDING,
                notifications.c.claimed_by == worker,
            )
            .values(claimed_by=None, claimed_until=None, **values)
        )
        with self._write() as conn:
            return conn.execute(stmt).rowcount == 1

    def notice_sent(self, notice_id: int, worker: str, *, now: datetime | None = None) -> bool:
        now = self._now(now)
        return self._finish(
            notice_id, worker,
            {"state": SENT, "sent_at": now, "attempts": notifications.c.attempts + 1, "last_error": None},
        )  # fmt: skip

    def notice_defer(self, notice_id: int, worker: str, until: datetime, reason: str) -> bool:
        """Try again at `until` without counting an attempt (a rate limit is not a failure)."""
        return self._finish(notice_id, worker, {"next_attempt_at": until, "last_error": scrub_text(reason)})

    def notice_retry(
        self, notice_id: int, worker: str, until: datetime, error: str, *, give_up: bool
    ) -> bool:
        """Count a failed attempt: try again at `until`, or give up (state failed) after the last."""
        values: dict[str, Any] = {
            "attempts": notifications.c.attempts + 1,
            "next_attempt_at": until,
            "last_error": scrub_text(error),
        }
        if give_up:
            values["state"] = FAILED
        return self._finish(notice_id, worker, values)

    def notices(
        self, *, state: str | None = None, event: str | None = None, target_id: str | None = None
    ) -> list[Notice]:
        stmt = select(notifications).order_by(notifications.c.id)
        if state is not None:
            stmt = stmt.where(notifications.c.state == state)
        if event is not None:
            stmt = stmt.where(notifications.c.event == event)
        if target_id is not None:
            stmt = stmt.where(notifications.c.target_id == target_id)
        with self._read() as conn:
            return [Notice.from_row(r) for r in conn.execute(stmt).mappings()]

    def notice_counts(self) -> dict[str, int]:
        stmt = select(notifications.c.state, func.count()).group_by(notifications.c.state)
        with self._read() as conn:
            return {state: count for state, count in conn.execute(stmt)}

    def audit_since(
        self, since: datetime, *, events: list[str] = (), to_states: list[str] = ()
    ) -> list[AuditEntry]:
        """Audit rows at or after `since` whose event or new state is one of those given."""
        wanted = []
        if events:
            wanted.append(audit_log.c.event.in_(list(events)))
        if to_states:
            wanted.append(audit_log.c.to_state.in_(list(to_states)))
        stmt = select(audit_log).where(audit_log.c.at >= since).order_by(audit_log.c.id)
        if wanted:
            stmt = stmt.where(or_(*wanted))
        with self._read() as conn:
            return [AuditEntry.from_row(r) for r in conn.execute(stmt).mappings()]
