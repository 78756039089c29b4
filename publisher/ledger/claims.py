"""Claiming due rows for execution, and taking back claims whose holder went away.

`claim_due` is the only way a row enters `queued`. On PostgreSQL the candidate rows are locked
with `FOR UPDATE SKIP LOCKED`, so concurrent dispatchers split the work instead of queueing on
each other's locks; on SQLite the whole claim runs inside `BEGIN IMMEDIATE`, which serialises
writers. Either way the UPDATE re-checks `state = 'scheduled'`, so a row is claimed once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from publisher.ledger.controls import not_stopped_clause
from publisher.ledger.core import LedgerCore
from publisher.ledger.records import Publication
from publisher.ledger.schema import audit_log, publications
from publisher.ledger.states import State, check_transition

S = State
check_transition(S.SCHEDULED, S.QUEUED)  # the edge claim_due takes without going through _move

# recover_stale's rule, in one place: a publishing row whose worker went silent is safe to
# schedule again only if it never recorded a phase. Executors record a phase *before* every
# request that can change something on the channel, so "no phase" means "nothing was sent".


class ClaimsMixin(LedgerCore):
    def claim_due(
        self,
        now: datetime,
        window_seconds: float,
        limit: int,
        worker: str,
    ) -> list[Publication]:
        """Atomically move up to `limit` due rows scheduled → queued for `worker`.

        Due: `scheduled_at <= now + window`, `not_before` empty or passed, the account neither
        paused nor frozen, no global freeze. Returns the claimed rows (earliest first); hand
        their ids to the executor with a countdown of `scheduled_at - now`.
        """
        horizon = now + timedelta(seconds=window_seconds)
        candidates = (
            select(publications.c.id)
            .where(
                publications.c.state == S.SCHEDULED.value,
                publications.c.scheduled_at <= horizon,
                or_(publications.c.not_before.is_(None), publications.c.not_before <= now),
                not_stopped_clause(now),
            )
            .order_by(publications.c.scheduled_at, publications.c.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=publications)
        # Two statements, not `UPDATE … WHERE id IN (SELECT … LIMIT … SKIP LOCKED)`: PostgreSQL
        # may rescan such a subquery once per row, and each rescan skips the rows this very
        # statement just updated, so the LIMIT stops limiting. The ids are locked (PostgreSQL) or
        # the database is (SQLite, BEGIN IMMEDIATE) until commit, and the UPDATE re-checks state.
        with self._write() as conn:
            ids = list(conn.execute(candidates).scalars())
            if not ids:
                return []
            stmt = (
                update(publications)
                .where(publications.c.id.in_(ids), publications.c.state == S.SCHEDULED.value)
                .values(state=S.QUEUED.value, claimed_by=worker, claimed_at=now, updated_at=now)
                .returning(*publications.c)
            )
            rows = [Publication.from_row(r) for r in conn.execute(stmt).mappings()]
            if rows:
                conn.execute(
                    audit_log.insert(),
                    [
                        {
                            "at": now,
                            "publication_id": r.id,
                            "item_id": r.item_id,
                            "event": "claim",
                            "from_state": S.SCHEDULED.value,
                            "to_state": S.QUEUED.value,
                            "actor": worker,
                            "detail": {},
                        }
                        for r in rows
                    ],
                )
        rows.sort(key=lambda r: (r.scheduled_at, r.id))
        return rows

    def recover_stale(
        self,
        older_than: timedelta,
        *,
        publishing_older_than: timedelta | None = None,
        now: datetime | None = None,
        actor: str = "recovery",
    ) -> list[Publication]:
        """Take back rows whose holder went away; returns the rows moved (new state inside).

        - queued longer than `older_than` (the message was lost, the dispatcher died) →
          scheduled, to be claimed again.
        - publishing with no update for `publishing_older_than` (default `older_than`; make it
          longer than the slowest publish): → scheduled if no phase was ever recorded (nothing
          was sent), otherwise → unconfirmed, because the request may have reached the channel.
        """
        now = self._now(now)
        queued_cutoff = now - older_than
        publishing_cutoff = now - (publishing_older_than or older_than)
        stale = select(publications.c.id, publications.c.state, publications.c.phases).where(
            or_(
                and_(
                    publications.c.state == S.QUEUED.value,
                    publications.c.claimed_at < queued_cutoff,
                ),
                and_(
                    publications.c.state == S.PUBLISHING.value,
                    publications.c.updated_at < publishing_cutoff,
                ),
            )
        )
        moved: list[Publication] = []
        with self._write() as conn:
            for row in conn.execute(stale).all():
                state, sent = State(row.state), bool(row.phases)
                if state is S.QUEUED:
                    to, event, detail = S.SCHEDULED, "recover", {"reason": "stale_claim"}
                elif not sent:
                    to, event, detail = S.SCHEDULED, "recover", {"reason": "worker_lost_unsent"}
                else:
                    to, event = S.UNCONFIRMED, "recover"
                    detail = {"reason": "worker_lost_after_send", "phases": sorted(row.phases)}
                values = {"claimed_by": None, "claimed_at": None}
                if to is S.UNCONFIRMED:
                    values = {
                        "last_error_code": "worker_lost",
                        "last_error_message": "执行进程失联，请求可能已到达渠道，需核对后处理",
                    }
                _, pub = self._move(
                    conn,
                    row.id,
                    to,
                    accept={state},
                    event=event,
                    actor=actor,
                    now=now,
                    values=values,
                    detail=detail,
                    # the same staleness test again, so a row that just moved on is left alone
                    where=[
                        publications.c.claimed_at < queued_cutoff
                        if state is S.QUEUED
                        else publications.c.updated_at < publishing_cutoff
                    ],
                )
                if pub is not None:
                    moved.append(pub)
        return moved
