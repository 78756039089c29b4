"""What the planner writes: item versions and the one planner-owned row per target.

A target is (item, channel, account). Its planner row is created once and then only rewritten
while nobody has claimed it (scheduled or blocked). Anything further along — queued, publishing,
published, failed, unconfirmed, retracted, cancelled — is left alone and reported as "skip": the
planner compares `rendition_hash` itself to say "changed since published". Republishing makes a
new, `manual` row (`create_manual`), never a second life for the old one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, bindparam, false, insert, select
from sqlalchemy.exc import IntegrityError

from publisher.ledger.core import LedgerCore, os_user
from publisher.ledger.records import ItemVersion, Publication
from publisher.ledger.schema import item_versions, publications
from publisher.ledger.states import UNCLAIMED_STATES, State

# Read by every publication a worker has not seen the version of: built once (issue 17).
_VERSION = select(item_versions).where(item_versions.c.id == bindparam("version_id"))

S = State
UpsertAction = Literal["create", "update", "skip"]


class PlanningMixin(LedgerCore):
    def upsert_item_version(
        self,
        item_id: str,
        source_hash: str,
        title: str,
        *,
        department: str | None = None,
        publish_at: datetime | None = None,
        expire_at: datetime | None = None,
        draft: bool = False,
        commit: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """The id of the version of `item_id` whose source hashes to `source_hash` (created once;
        later calls with the same hash return the same id and change nothing)."""
        now = self._now(now)
        stmt = (
            self._upsert(item_versions)
            .values(
                item_id=item_id,
                source_hash=source_hash,
                commit=commit,
                title=title,
                department=department,
                publish_at=publish_at,
                expire_at=expire_at,
                draft=draft,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["item_id", "source_hash"])
        )
        lookup = select(item_versions.c.id).where(
            item_versions.c.item_id == item_id, item_versions.c.source_hash == source_hash
        )
        with self._write() as conn:
            conn.execute(stmt)
            return conn.execute(lookup).scalar_one()

    def item_version(self, version_id: int) -> ItemVersion | None:
        with self._read() as conn:
            row = (
                conn.execute(_VERSION, {"version_id": version_id})
                .mappings()
                .one_or_none()
            )
        return ItemVersion.from_row(row) if row else None

    def upsert_publication(
        self,
        item_id: str,
        version_id: int,
        channel: str,
        account_id: str,
        rendition_hash: str,
        scheduled_at: datetime,
        blocked_reason: str | None = None,
        *,
        actor: str = "planner",
        now: datetime | None = None,
    ) -> tuple[Publication, UpsertAction]:
        """Make the target's planner row match the plan. Returns (row, action).

        `blocked_reason` set → the row is (or becomes) blocked; None → scheduled.
        """
        now = self._now(now)
        wanted = {
            "item_version_id": version_id,
            "rendition_hash": rendition_hash,
            "scheduled_at": scheduled_at,
            "blocked_reason": blocked_reason,
        }
        target = (item_id, channel, account_id)
        try:
            with self._write() as conn:
                return self._upsert_in(conn, target, wanted, actor, now)
        except IntegrityError:
            # A concurrent planner created the row between our read and our insert (PostgreSQL;
            # SQLite's BEGIN IMMEDIATE cannot interleave): the second look finds it.
            with self._write() as conn:
                return self._upsert_in(conn, target, wanted, actor, now)

    def _upsert_in(self, conn: Connection, target, wanted, actor, now):
        item_id, channel, account_id = target
        state = S.BLOCKED if wanted["blocked_reason"] else S.SCHEDULED
        existing = (
            conn.execute(
                select(publications).where(
                    publications.c.item_id == item_id,
                    publications.c.channel == channel,
                    publications.c.account_id == account_id,
                    publications.c.manual == false(),
                )
            )
            .mappings()
            .one_or_none()
        )
        if existing is None:
            pub = self._insert(conn, item_id, channel, account_id, state, wanted, False, now)
            self._audit(
                conn,
                event="create",
                actor=actor,
                at=now,
                publication_id=pub.id,
                item_id=item_id,
                to_state=state,
                detail=_describe(wanted),
            )
            return pub, "create"
        current = Publication.from_row(existing)
        if current.state not in UNCLAIMED_STATES:
            return current, "skip"
        changed = {k: v for k, v in wanted.items() if getattr(current, k) != v}
        if not changed and current.state is state:
            return current, "skip"
        _, pub = self._move(
            conn,
            current.id,
            state,
            accept={current.state},
            event="update",
            actor=actor,
            now=now,
            values=wanted,
            detail=_describe(changed),
            stay=True,
        )
        return (pub, "update") if pub else (current, "skip")

    def create_manual(
        self,
        item_id: str,
        version_id: int,
        channel: str,
        account_id: str,
        rendition_hash: str,
        scheduled_at: datetime,
        *,
        reason: str | None = None,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """A new scheduled row for an explicit republish; the old rows stay as they are."""
        now = self._now(now)
        wanted = {
            "item_version_id": version_id,
            "rendition_hash": rendition_hash,
            "scheduled_at": scheduled_at,
            "blocked_reason": None,
        }
        with self._write() as conn:
            pub = self._insert(conn, item_id, channel, account_id, S.SCHEDULED, wanted, True, now)
            self._audit(
                conn,
                event="republish",
                actor=actor or os_user(),
                at=now,
                publication_id=pub.id,
                item_id=item_id,
                to_state=S.SCHEDULED,
                detail={**_describe(wanted), "reason": reason},
            )
        return pub

    @staticmethod
    def _insert(conn, item_id, channel, account_id, state, wanted, manual, now) -> Publication:
        row = (
            conn.execute(
                insert(publications)
                .values(
                    item_id=item_id,
                    channel=channel,
                    account_id=account_id,
                    state=state.value,
                    attempts=0,
                    phases={},
                    manual=manual,
                    created_at=now,
                    updated_at=now,
                    **wanted,
                )
                .returning(*publications.c)
            )
            .mappings()
            .one()
        )
        return Publication.from_row(row)


def _describe(values: dict) -> dict:
    """JSON-safe copy of changed fields for the audit log."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
