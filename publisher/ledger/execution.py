"""What an executor does with a claimed row: start, record each phase, finish.

The `attempt` argument is a fencing token: `start` returns the row with `attempts` already
incremented, and an executor that passes that number to `record_phase` and the `finish_*` calls
can never write over a later attempt of the same row (after `recover_stale` took it away from a
worker that was only slow, not dead). Executors should always pass it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from publisher.ledger.controls import not_stopped_clause, stop_reason
from publisher.ledger.core import AUDIT_INSERT, LedgerCore, PublicationNotFound
from publisher.ledger.records import Publication
from publisher.ledger.schema import item_versions, publications
from publisher.ledger.scrub import scrub_data
from publisher.ledger.states import State

S = State
# Phase data can only be useful to someone while the row is being worked on (or reconciled).
_HELD_STATES = frozenset({S.PUBLISHING, S.RETRACTING})

# The hot statements, built once (issue 17: building a statement and its cache key cost ~10×
# running it). `_move(params=…)` fills their bind parameters.
_NOT_STOPPED = (not_stopped_clause(bindparam("stop_now")),)
_FENCED = (publications.c.attempts == bindparam("fence"),)
_NEXT_ATTEMPT = publications.c.attempts + 1
# The version the row was planned with, returned by the start itself: the publish path loads that
# version next, and a read transaction of its own cost ~0.4 ms (issue 17).
_VERSION_HASH = (
    select(item_versions.c.source_hash)
    .where(item_versions.c.id == publications.c.item_version_id)
    .scalar_subquery()
    .label("version_hash")
)
_ROW = select(publications).where(publications.c.id == bindparam("row_id"))
_HELD_PHASES = (
    select(publications.c.phases).where(publications.c.id == bindparam("row_id")).with_for_update()
)
_ACCOUNT_OF = select(publications.c.account_id).where(publications.c.id == bindparam("row_id"))
_SET_PHASES = (
    publications.update()
    .where(publications.c.id == bindparam("row_id"))
    .values(phases=bindparam("new_phases", type_=publications.c.phases.type),
            updated_at=bindparam("new_updated_at", type_=publications.c.updated_at.type))
    .returning(*publications.c)
)
_KEEP_PHASES = (
    publications.update()
    .where(publications.c.id == bindparam("row_id"))
    .values(phases=bindparam("new_phases", type_=publications.c.phases.type))
)


class ClaimLost(RuntimeError):
    """The row is no longer this attempt's to work on; stop before the next irreversible step.

    Raised by `record_phase` *after* the data was saved: what a channel told us is a fact worth
    keeping whoever holds the row now.
    """

    def __init__(self, publication: Publication, attempt: int | None):
        self.publication = publication
        super().__init__(
            f"publication {publication.id} is {publication.state} (attempt {publication.attempts}),"
            f" no longer held by attempt {attempt}"
        )


def _row(conn: Connection, publication_id: int) -> Publication:
    return Publication.from_row(conn.execute(_ROW, {"row_id": publication_id}).mappings().one())


def _phase_rows(pub: Publication, steps: list[tuple[str, dict[str, Any]]], attempt: int | None,
                now: datetime) -> list[dict[str, Any]]:
    """The `phase` audit rows of `steps` saved on `pub` (as it is after the write)."""
    return [
        {
            "at": now,
            "publication_id": pub.id,
            "item_id": pub.item_id,
            "event": "phase",
            "from_state": pub.state.value,
            "to_state": pub.state.value,
            "actor": pub.claimed_by or "worker",
            "detail": {"phase": name, "data": values, "attempt": attempt},
        }
        for name, values in steps
    ]


def _fence(attempt: int | None) -> tuple[tuple, dict]:
    """The fencing condition as (where, params) for `_move(params=…)`."""
    return ((), {}) if attempt is None else (_FENCED, {"fence": attempt})


class ExecutionMixin(LedgerCore):
    def start(
        self, publication_id: int, worker: str, *, now: datetime | None = None
    ) -> Publication | None:
        """queued → publishing for `worker`; attempts += 1. Returns the row, or None.

        None means: not queued any more (a duplicate delivery, a cancel, another worker won), or
        a freeze/pause arrived after the claim, in which case the row goes back to scheduled.
        """
        now = self._now(now)

        def write(conn: Connection) -> Publication | None:
            seen, row = self._move(
                conn,
                publication_id,
                S.PUBLISHING,
                accept={S.QUEUED},
                event="start",
                actor=worker,
                now=now,
                where=_NOT_STOPPED,
                params={"stop_now": now},
                returning=(_VERSION_HASH,),
                values={
                    "attempts": _NEXT_ATTEMPT,
                    "claimed_by": worker,
                    "claimed_at": now,
                },
            )
            if row is not None or seen is not S.QUEUED:
                return row
            # Still queued, so a freeze or pause stopped it: give the claim back.
            account = conn.execute(_ACCOUNT_OF, {"row_id": publication_id}).scalar_one()
            self._move(
                conn,
                publication_id,
                S.SCHEDULED,
                accept={S.QUEUED},
                event="unclaim",
                actor=worker,
                now=now,
                params={},
                values={"claimed_by": None, "claimed_at": None},
                detail={"reason": stop_reason(conn, account, now) or "stopped"},
            )
            return None

        # Group commit: the starts of a batch's publications (one thread each) share a commit.
        return self._grouped(write)

    def record_phase(
        self,
        publication_id: int,
        phase: str,
        data: dict[str, Any],
        *,
        attempt: int | None = None,
        now: datetime | None = None,
        earlier: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Publication:
        """Merge `data` into `phases[phase]` and audit it, committed before returning.

        Call it before an irreversible request (intent) and after it (what came back). Raises
        `ClaimLost` (data saved all the same) when the row is no longer publishing/retracting
        or belongs to a later attempt: the caller must not send the next request.

        `earlier`: phases noted since the last record (results of repeatable, invisible steps
        such as an upload), saved first in the same transaction — one commit instead of one each.
        """
        now = self._now(now)
        steps = [(name, scrub_data(dict(values))) for name, values in (earlier or {}).items()]
        steps.append((phase, scrub_data(dict(data))))

        def write(conn: Connection) -> Publication:
            phases = self._held_phases(conn, publication_id)
            for name, values in steps:
                phases[name] = {**phases.get(name, {}), **values}
            updated = conn.execute(
                _SET_PHASES, {"row_id": publication_id, "new_phases": phases, "new_updated_at": now}
            ).mappings().one()
            pub = Publication.from_row(updated)
            self._audit_phases(conn, pub, steps, attempt, now)
            return pub

        # Committed (alone or with other threads' writes) before this returns: an intent mark is
        # on disk before the request it announces.
        pub = self._grouped(write)
        if pub.state not in _HELD_STATES or (attempt is not None and pub.attempts != attempt):
            raise ClaimLost(pub, attempt)
        return pub

    @staticmethod
    def _held_phases(conn: Connection, publication_id: int) -> dict[str, Any]:
        """The row's phases, locked until commit (PostgreSQL; SQLite holds the database)."""
        row = conn.execute(_HELD_PHASES, {"row_id": publication_id}).one_or_none()
        if row is None:
            raise PublicationNotFound(publication_id)
        return dict(row.phases or {})

    @staticmethod
    def _audit_phases(conn: Connection, pub: Publication, steps: list[tuple[str, dict[str, Any]]],
                      attempt: int | None, now: datetime) -> None:
        """One `phase` audit row per phase saved, in one statement."""
        conn.execute(AUDIT_INSERT, _phase_rows(pub, steps, attempt, now))

    def finish_published(
        self,
        publication_id: int,
        remote_id: str | None,
        url: str | None,
        *,
        attempt: int | None = None,
        now: datetime | None = None,
        phases: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Publication | None:
        """publishing → published. Also accepted from unconfirmed: the channel has just told this
        attempt that the post exists, which is exactly what reconciling would learn.

        `phases`: what the last step brought back, noted but not yet saved (the post's id and
        address): saved in this same transaction, and kept even when the move does not happen."""
        now = self._now(now)
        steps = [(name, scrub_data(dict(values))) for name, values in (phases or {}).items()]
        fence, fence_params = _fence(attempt)

        def write(conn: Connection) -> Publication | None:
            values: dict[str, Any] = {}
            if steps:
                merged = self._held_phases(conn, publication_id)
                for name, data in steps:
                    merged[name] = {**merged.get(name, {}), **data}
                values["phases"] = merged
            seen, moved = self._move(
                conn,
                publication_id,
                S.PUBLISHED,
                accept={S.PUBLISHING, S.UNCONFIRMED},
                likely=S.PUBLISHING,
                event="published",
                actor=None,
                now=now,
                where=fence,
                params=fence_params,
                values={
                    **values,
                    "remote_id": remote_id,
                    "url": url,
                    "published_at": now,
                    "last_error_code": None,
                    "last_error_message": None,
                    "not_before": None,
                },
                detail={"remote_id": remote_id, "url": url, "attempt": attempt},
                # the phases' audit rows go in the move's own INSERT, after its row
                audit_after=(lambda moved: _phase_rows(moved, steps, attempt, now)) if steps else None,
            )
            if steps and moved is None:  # not ours any more: what the channel said is kept all the same
                conn.execute(_KEEP_PHASES, {"row_id": publication_id, "new_phases": values["phases"]})
                self._audit_phases(conn, _row(conn, publication_id), steps, attempt, now)
            return moved

        return self._grouped(write)

    def finish_failed(
        self,
        publication_id: int,
        code: str | int | None,
        message: str,
        *,
        attempt: int | None = None,
        now: datetime | None = None,
    ) -> Publication | None:
        """publishing (or unconfirmed) → failed: a permanent error; the editor must act."""
        return self._finish_with_error(
            publication_id,
            S.FAILED,
            {S.PUBLISHING, S.UNCONFIRMED},
            "failed",
            code,
            message,
            attempt,
            now,
        )

    def mark_unconfirmed(
        self,
        publication_id: int,
        code: str | int | None,
        message: str,
        *,
        attempt: int | None = None,
        now: datetime | None = None,
    ) -> Publication | None:
        """publishing → unconfirmed: the request may have reached the channel, no answer came.
        Never retried automatically; reconcile (ask the channel) or show it to the editor."""
        return self._finish_with_error(
            publication_id,
            S.UNCONFIRMED,
            {S.PUBLISHING},
            "unconfirmed",
            code,
            message,
            attempt,
            now,
        )

    def requeue(
        self,
        publication_id: int,
        not_before: datetime,
        code: str | int | None,
        message: str,
        *,
        attempt: int | None = None,
        now: datetime | None = None,
    ) -> Publication | None:
        """publishing → scheduled with a backoff (`not_before`), attempts kept.

        Only for errors where nothing irreversible reached the channel (DESIGN.md decision 3):
        token fetch failed, 5xx before acceptance, rate limited.
        """
        return self._finish_with_error(
            publication_id,
            S.SCHEDULED,
            {S.PUBLISHING},
            "requeue",
            code,
            message,
            attempt,
            now,
            # claimed_by stays: it names the last holder (and the audit actor) until re-claimed
            extra={"not_before": not_before},
        )

    def _finish_with_error(
        self, publication_id, to, accept, event, code, message, attempt, now, extra=None
    ) -> Publication | None:
        now = self._now(now)
        code = None if code is None else str(code)
        values = {"last_error_code": code, "last_error_message": message, **(extra or {})}
        detail = {"code": code, "message": message, "attempt": attempt}
        if extra and extra.get("not_before"):
            detail["not_before"] = extra["not_before"].isoformat()
        fence, fence_params = _fence(attempt)
        return self._grouped(
            lambda conn: self._move(
                conn,
                publication_id,
                to,
                accept=accept,
                event=event,
                actor=None,
                now=now,
                where=fence,
                params=fence_params,
                values=values,
                detail=detail,
                likely=S.PUBLISHING if S.PUBLISHING in accept else None,
            )[1]
        )
