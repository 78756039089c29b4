"""Stop switches: freezes (global or per account) and account pauses (quota, expired auth).

A freeze is an editor's decision ("all publishing stops at once" on a day of mourning); a pause
is the system's (quota used up until midnight, token refused). Both keep rows from being claimed
and from starting; rows already talking to a channel finish their request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, exists, or_, select, true

from publisher.ledger.core import LedgerCore, os_user
from publisher.ledger.records import AccountPause, Freeze, FrozenState
from publisher.ledger.schema import GLOBAL_SCOPE, account_status, freezes, publications
from publisher.ledger.states import State


def not_stopped_clause(now: datetime, rows=publications):
    """SQL condition on `rows` (publications or an alias of it): no freeze covers the row's
    account, and the account is not paused."""
    frozen = exists(
        select(freezes.c.scope).where(
            freezes.c.frozen == true(),
            or_(freezes.c.scope == GLOBAL_SCOPE, freezes.c.scope == rows.c.account_id),
        )
    )
    paused = exists(
        select(account_status.c.account_id).where(
            account_status.c.account_id == rows.c.account_id,
            account_status.c.paused_until > now,
        )
    )
    return and_(~frozen, ~paused)


def stop_reason(conn: Connection, account_id: str, now: datetime) -> str | None:
    """Why `account_id` may not publish right now ("frozen" / "paused"), or None."""
    frozen = conn.execute(
        select(freezes.c.scope).where(
            freezes.c.frozen == true(), freezes.c.scope.in_([GLOBAL_SCOPE, account_id])
        )
    ).first()
    if frozen:
        return "frozen"
    paused = conn.execute(
        select(account_status.c.account_id).where(
            account_status.c.account_id == account_id, account_status.c.paused_until > now
        )
    ).first()
    return "paused" if paused else None


class ControlsMixin(LedgerCore):
    def freeze(
        self, reason: str, by: str | None = None, account_id: str | None = None, *, now=None
    ) -> Freeze:
        """Stop all publishing (account_id None) or one account's, until `unfreeze`."""
        return self._set_freeze(True, reason, by, account_id, now)

    def unfreeze(
        self,
        by: str | None = None,
        account_id: str | None = None,
        *,
        reason: str | None = None,
        now=None,
    ) -> Freeze:
        """Lift the global freeze (account_id None) or one account's."""
        return self._set_freeze(False, reason, by, account_id, now)

    def _set_freeze(self, frozen, reason, by, account_id, now) -> Freeze:
        now, by = self._now(now), by or os_user()
        scope = account_id or GLOBAL_SCOPE
        values = {"frozen": frozen, "reason": reason, "changed_by": by, "changed_at": now}
        stmt = self._upsert(freezes).values(scope=scope, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[freezes.c.scope], set_=values)
        with self._write() as conn:
            conn.execute(stmt)
            self._audit(
                conn,
                event="freeze" if frozen else "unfreeze",
                actor=by,
                at=now,
                detail={"account_id": account_id, "reason": reason},
            )
        return Freeze(account_id, frozen, reason, by, now)

    def frozen_state(self) -> FrozenState:
        """Every freeze that is on right now."""
        with self._read() as conn:
            rows = conn.execute(select(freezes).where(freezes.c.frozen == true())).mappings().all()
        global_freeze, accounts = None, {}
        for row in rows:
            account = None if row["scope"] == GLOBAL_SCOPE else row["scope"]
            value = Freeze(account, True, row["reason"], row["changed_by"], row["changed_at"])
            if account is None:
                global_freeze = value
            else:
                accounts[account] = value
        return FrozenState(global_freeze, accounts)

    def pause_account(
        self, account_id: str, until: datetime, reason: str, *, actor: str | None = None, now=None
    ) -> AccountPause:
        """Keep `account_id` from publishing until `until` (quota reset, re-authorisation)."""
        return self._set_pause(account_id, until, reason, actor or "system", now, "pause")

    def resume_account(
        self, account_id: str, *, actor: str | None = None, now=None
    ) -> AccountPause:
        """Lift a pause early (an editor re-authorised the account). The account's rows held
        back until the pause's end (`not_before`, set when the pause began) are due again."""
        pause = self._set_pause(account_id, None, None, actor or os_user(), now, "resume")
        with self._write() as conn:
            conn.execute(
                publications.update()
                .where(
                    publications.c.account_id == account_id,
                    publications.c.state == State.SCHEDULED.value,
                    publications.c.not_before > pause.updated_at,
                )
                .values(not_before=pause.updated_at, updated_at=pause.updated_at)
            )
        return pause

    def _set_pause(self, account_id, until, reason, actor, now, event) -> AccountPause:
        now = self._now(now)
        values = {"paused_until": until, "pause_reason": reason, "updated_at": now}
        stmt = self._upsert(account_status).values(account_id=account_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[account_status.c.account_id], set_=values)
        with self._write() as conn:
            conn.execute(stmt)
            self._audit(
                conn,
                event=event,
                actor=actor,
                at=now,
                detail={
                    "account_id": account_id,
                    "until": until.isoformat() if until else None,
                    "reason": reason,
                },
            )
        return AccountPause(account_id, until, reason, now)

    def account_pauses(self, *, now=None) -> list[AccountPause]:
        """Accounts paused right now."""
        now = self._now(now)
        with self._read() as conn:
            rows = (
                conn.execute(select(account_status).where(account_status.c.paused_until > now))
                .mappings()
                .all()
            )
        return [AccountPause(**row) for row in rows]
