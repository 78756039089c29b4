"""A ledger's identity: the content repo and matrix it serves, since when, and the history it
holds back (DESIGN.md, decision 10; issue 13).

A new ledger, a ledger pointed at by mistake, or an older copy restored from a backup does not
know what the platforms already carry. So every account carries a `hold_before` time: rows of
that account due before it are *held* (blocked, with `HELD_REASON` or `RESTORED_REASON`) and are
never claimed, until an operator runs `publisher adopt` — which records what the channels
already have as published and leaves the rest held, or with `--catch-up` releases it to be sent.

    ident = ledger.ensure_identity(repo=…, remote=…, content_path=…, accounts={"news-main": "portal-channel"},
                                   window=timedelta(0))
    ledger.hold_accounts(now, why="restored")          # a restored backup was noticed
    ledger.hold_due_rows()                             # scheduled rows inside a hold → held
    ledger.adopt_published(pub_id, remote_id, url, phases)   # held → published (the platform has it)
    ledger.release_held(pub_id)                        # held → scheduled (--catch-up)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from publisher.ledger.core import LedgerCore, os_user
from publisher.ledger.records import Publication
from publisher.ledger.schema import audit_log, ledger_identity, publications
from publisher.ledger.states import State

IDENTITY_ROW = 1
# Why rows are held, as editors read them in `publisher status` (the fix: `HELD_FIX`).
HELD_REASON = "账本建立前的内容，等待 publisher adopt"
RESTORED_REASON = "账本可能由备份恢复或已更换，此前到期的内容等待 publisher adopt 与平台核对"
HELD_FIX = ("运行 publisher adopt 向各渠道核对：平台上已有的记为已发布；其余仍暂缓，"
            "确认要补发时运行 publisher adopt --catch-up")
_REASONS = {"new": HELD_REASON, "restored": RESTORED_REASON, "other": RESTORED_REASON}


def hold_reason(why: str | None) -> str:
    return _REASONS.get(why or "new", HELD_REASON)


def is_held(pub: Publication) -> bool:
    """A row waiting for `publisher adopt` (not one blocked by a check or a sign-off)."""
    reason = pub.blocked_reason or ""
    return pub.state is State.BLOCKED and reason.startswith((HELD_REASON, RESTORED_REASON))


@dataclass(frozen=True)
class Hold:
    before: datetime
    why: str  # "new" (new ledger or account) | "restored" | "other" (another ledger used here)

    @property
    def reason(self) -> str:
        return hold_reason(self.why)


@dataclass(frozen=True)
class Identity:
    ledger_id: str
    created_at: datetime
    repo: str | None
    remote: str | None
    content_path: str | None
    accounts: dict[str, dict[str, Any]]

    def holds(self) -> dict[str, Hold]:
        """Accounts holding history back right now, by id."""
        found = {}
        for account_id, entry in self.accounts.items():
            if entry.get("hold_before"):
                found[account_id] = Hold(datetime.fromisoformat(entry["hold_before"]), entry.get("hold_why") or "new")
        return found

    @classmethod
    def from_row(cls, row) -> Identity:
        return cls(row["ledger_id"], row["created_at"], row["repo"], row["remote"], row["content_path"],
                   dict(row["accounts"] or {}))


class IdentityMixin(LedgerCore):
    def identity(self) -> Identity | None:
        """Who this ledger serves; None until its first sync."""
        with self._read() as conn:
            return self._identity(conn)

    @staticmethod
    def _identity(conn: Connection) -> Identity | None:
        row = conn.execute(select(ledger_identity).where(ledger_identity.c.id == IDENTITY_ROW)).mappings().one_or_none()
        return Identity.from_row(row) if row else None

    def ensure_identity(
        self,
        *,
        repo: str | None,
        remote: str | None,
        content_path: str | None,
        accounts: dict[str, str],
        window: timedelta,
        now: datetime | None = None,
    ) -> Identity:
        """Record who this ledger serves on first use, and every account it has not seen before.

        The ledger's creation time is its first audit row (a ledger that predates identities keeps
        its real age) or now. An account new to the ledger holds what was due before it arrived,
        less the catch-up `window`, exactly as a new ledger does.
        """
        now = self._now(now)
        with self._write() as conn:
            ident = self._identity(conn)
            if ident is None:
                first = conn.execute(select(func.min(audit_log.c.at))).scalar_one_or_none()
                created = min(first, now) if first is not None else now
                entries = {a: _entry(c, created, created - window, "new") for a, c in sorted(accounts.items())}
                values = {"ledger_id": str(uuid.uuid4()), "created_at": created, "repo": repo, "remote": remote,
                          "content_path": content_path, "accounts": entries, "updated_at": now}
                conn.execute(ledger_identity.insert().values(id=IDENTITY_ROW, **values))
                self._audit(conn, event="identity", actor=os_user(), at=now,
                            detail={"repo": repo, "remote": remote, "content_path": content_path,
                                    "created_at": created.isoformat(), "accounts": sorted(accounts)})
                return self._identity(conn)
            entries = dict(ident.accounts)
            added = [a for a, c in accounts.items() if (entries.get(a) or {}).get("channel") != c]
            for account_id in sorted(added):
                entries[account_id] = _entry(accounts[account_id], now, now - window, "new")
            changes: dict[str, Any] = {}
            if added:
                changes["accounts"] = entries
            # A plain folder that became a git repo (or the reverse) is the same content.
            for key, value in (("repo", repo), ("remote", remote)):
                if value and getattr(ident, key) is None:
                    changes[key] = value
            if changes:
                conn.execute(ledger_identity.update().where(ledger_identity.c.id == IDENTITY_ROW)
                             .values(updated_at=now, **changes))
                if added:
                    self._audit(conn, event="identity-accounts", actor=os_user(), at=now,
                                detail={"added": sorted(added)})
                return self._identity(conn)
            return ident

    def hold_accounts(self, before: datetime, why: str, *, actor: str | None = None,
                      detail: dict[str, Any] | None = None, now: datetime | None = None) -> Identity | None:
        """Every account of the ledger holds what was due before `before` (a restored backup)."""
        now = self._now(now)
        with self._write() as conn:
            ident = self._identity(conn)
            if ident is None:
                return None
            entries = {}
            for account_id, entry in ident.accounts.items():
                held = entry.get("hold_before")
                later = before if not held or datetime.fromisoformat(held) < before else datetime.fromisoformat(held)
                entries[account_id] = {**entry, "hold_before": later.isoformat(), "hold_why": why}
            conn.execute(ledger_identity.update().where(ledger_identity.c.id == IDENTITY_ROW)
                         .values(accounts=entries, updated_at=now))
            self._audit(conn, event="hold", actor=actor or os_user(), at=now,
                        detail={"why": why, "before": before.isoformat(), **(detail or {})})
            return self._identity(conn)

    def clear_hold(self, account_id: str, *, actor: str | None = None, reason: str = "",
                   now: datetime | None = None) -> None:
        """The operator has decided for this account's history (`publisher adopt`)."""
        now = self._now(now)
        with self._write() as conn:
            ident = self._identity(conn)
            if ident is None or not (ident.accounts.get(account_id) or {}).get("hold_before"):
                return
            entries = dict(ident.accounts)
            entries[account_id] = {**entries[account_id], "hold_before": None, "hold_why": None}
            conn.execute(ledger_identity.update().where(ledger_identity.c.id == IDENTITY_ROW)
                         .values(accounts=entries, updated_at=now))
            self._audit(conn, event="hold-cleared", actor=actor or os_user(), at=now,
                        detail={"account_id": account_id, "reason": reason})

    def hold_due_rows(self, *, actor: str = "identity", now: datetime | None = None) -> list[Publication]:
        """Scheduled rows due inside an account's hold become held (a restored backup's rows, a
        row a stale claim put back). Returns the rows held by this call."""
        ident = self.identity()
        holds = ident.holds() if ident else {}
        if not holds:
            return []
        now = self._now(now)
        latest = max(h.before for h in holds.values())
        stmt = select(publications.c.id, publications.c.account_id, publications.c.scheduled_at).where(
            publications.c.state == State.SCHEDULED.value, publications.c.scheduled_at < latest)
        moved = []
        with self._write() as conn:
            for row in conn.execute(stmt).all():
                hold = holds.get(row.account_id)
                if hold is None or row.scheduled_at >= hold.before:
                    continue
                _, pub = self._move(conn, row.id, State.BLOCKED, accept={State.SCHEDULED}, event="hold",
                                    actor=actor, now=now, values={"blocked_reason": hold.reason},
                                    detail={"why": hold.why})
                if pub is not None:
                    moved.append(pub)
        return moved

    def held(self, account_id: str | None = None) -> list[Publication]:
        """Rows waiting for `publisher adopt`."""
        return [p for p in self.publications(state=State.BLOCKED, account_id=account_id) if is_held(p)]

    def adopt_published(self, publication_id: int, remote_id: str | None, url: str | None,
                        phases: dict[str, Any], *, published_at: datetime | None = None,
                        actor: str | None = None, now: datetime | None = None) -> Publication | None:
        """held → published: the platform already has it (found by `publisher adopt`). The
        channel's own receipt phases go with it, so status, reach and retract work as usual."""
        now = self._now(now)
        with self._write() as conn:
            row = conn.execute(select(publications).where(publications.c.id == publication_id)).mappings().one_or_none()
            if row is None or not is_held(Publication.from_row(row)):
                return None
            _, pub = self._move(
                conn, publication_id, State.PUBLISHED, accept={State.BLOCKED}, event="adopt", actor=actor or os_user(),
                now=now, values={"remote_id": remote_id, "url": url, "phases": {**(row["phases"] or {}), **phases},
                                 "blocked_reason": None, "published_at": published_at or now},
                detail={"remote_id": remote_id, "url": url, "found_on_platform": True},
            )
            return pub

    def release_held(self, publication_id: int, *, actor: str | None = None,
                     now: datetime | None = None) -> Publication | None:
        """held → scheduled: the operator said to send it (`publisher adopt --catch-up`)."""
        now = self._now(now)
        with self._write() as conn:
            _, pub = self._move(conn, publication_id, State.SCHEDULED, accept={State.BLOCKED}, event="catch-up",
                                actor=actor or os_user(), now=now, values={"blocked_reason": None},
                                detail={"reason": "操作员确认补发"})
            return pub

    # -- the high-water mark kept beside the ledger ------------------------------------------
    def last_audit(self) -> tuple[int, datetime] | None:
        """The newest audit row (id, time): what the state folder's mark remembers."""
        with self._read() as conn:
            row = conn.execute(select(audit_log.c.id, audit_log.c.at).order_by(audit_log.c.id.desc()).limit(1)).first()
        return (int(row.id), row.at) if row else None

    def audit_time(self, audit_id: int) -> datetime | None:
        with self._read() as conn:
            return conn.execute(select(audit_log.c.at).where(audit_log.c.id == audit_id)).scalar_one_or_none()


def _entry(channel: str, since: datetime, hold_before: datetime, why: str) -> dict[str, Any]:
    return {"channel": channel, "since": since.isoformat(), "hold_before": hold_before.isoformat(), "hold_why": why}


__all__ = ["HELD_FIX", "HELD_REASON", "RESTORED_REASON", "Hold", "Identity", "IdentityMixin", "hold_reason",
           "is_held"]
