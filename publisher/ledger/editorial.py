"""Editors' commands on single rows: cancel, retry, reconcile, retract.

Unlike the executor's calls (which return None when the row moved on), these raise
`IllegalTransition` with a Chinese sentence when the row's state does not allow the command: an
editor needs to know why nothing happened. Every audit row names the OS user as actor unless an
actor is given.
"""

from __future__ import annotations

from datetime import datetime

from publisher.ledger.core import LedgerCore, os_user
from publisher.ledger.records import Publication
from publisher.ledger.states import IllegalTransition, State

S = State


class EditorialMixin(LedgerCore):
    def _editor_move(
        self, publication_id, to, accept, event, *, actor, now, values=None, detail=None
    ) -> Publication:
        now = self._now(now)
        with self._write() as conn:
            seen, row = self._move(
                conn,
                publication_id,
                to,
                accept=accept,
                event=event,
                actor=actor or os_user(),
                now=now,
                values=values,
                detail=detail,
            )
        if row is None:
            raise IllegalTransition(seen, to, publication_id)
        return row

    def cancel(
        self,
        publication_id: int,
        reason: str,
        *,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """scheduled/queued/blocked → cancelled. A queued row's task then finds nothing to start."""
        return self._editor_move(
            publication_id,
            S.CANCELLED,
            {S.SCHEDULED, S.QUEUED, S.BLOCKED},
            "cancel",
            actor=actor,
            now=now,
            detail={"reason": reason},
            values={"claimed_by": None, "claimed_at": None},
        )

    def retry(
        self,
        publication_id: int,
        *,
        actor: str | None = None,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """failed/unconfirmed → scheduled, due at once. For unconfirmed rows only after checking
        the channel really has no post: retrying blindly is how things get posted twice."""
        return self._editor_move(
            publication_id,
            S.SCHEDULED,
            {S.FAILED, S.UNCONFIRMED},
            "retry",
            actor=actor,
            now=now,
            detail={"reason": reason},
            values={"not_before": None, "claimed_by": None, "claimed_at": None},
        )

    def resolve_unconfirmed(
        self,
        publication_id: int,
        *,
        published: bool,
        remote_id: str | None = None,
        url: str | None = None,
        message: str | None = None,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """unconfirmed → published (the channel has the post) or → failed (it has not, and the
        editor does not want it retried). `actor` is the reconciler's id or the editor."""
        now = self._now(now)
        if published:
            values = {
                "remote_id": remote_id,
                "url": url,
                "published_at": now,
                "last_error_code": None,
                "last_error_message": None,
            }
            return self._editor_move(
                publication_id,
                S.PUBLISHED,
                {S.UNCONFIRMED},
                "reconciled",
                actor=actor,
                now=now,
                values=values,
                detail={"remote_id": remote_id, "url": url},
            )
        return self._editor_move(
            publication_id,
            S.FAILED,
            {S.UNCONFIRMED},
            "reconciled",
            actor=actor,
            now=now,
            values={"last_error_code": "not_found", "last_error_message": message},
            detail={"found": False, "message": message},
        )

    def start_retract(
        self,
        publication_id: int,
        reason: str,
        *,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """published → retracting (the executor then asks the channel to delete the post)."""
        return self._editor_move(
            publication_id,
            S.RETRACTING,
            {S.PUBLISHED},
            "retract",
            actor=actor,
            now=now,
            detail={"reason": reason},
        )

    def finish_retract(
        self, publication_id: int, *, actor: str | None = None, now: datetime | None = None
    ) -> Publication | None:
        """retracting → retracted. None if the row is not retracting (duplicate delivery)."""
        now = self._now(now)
        with self._write() as conn:
            return self._move(
                conn,
                publication_id,
                S.RETRACTED,
                accept={S.RETRACTING},
                event="retracted",
                actor=actor or "worker",
                now=now,
            )[1]

    def fail_retract(
        self,
        publication_id: int,
        code: str | int | None,
        message: str,
        *,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Publication | None:
        """retracting → published: the post is still up; the error says why."""
        now = self._now(now)
        code = None if code is None else str(code)
        with self._write() as conn:
            return self._move(
                conn,
                publication_id,
                S.PUBLISHED,
                accept={S.RETRACTING},
                event="retract_failed",
                actor=actor or "worker",
                now=now,
                values={"last_error_code": code, "last_error_message": message},
                detail={"code": code, "message": message},
            )[1]
