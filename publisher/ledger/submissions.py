"""Submissions (报送) and adoptions (采用) in the ledger, in tables of their own.

A *submission* is what a department hands in (a Word file taken in by `publisher intake`, or a
row of last year's spreadsheet): its department, 信息员, information type and date, and its
state as the office decides it::

    submitted (报送) ──► adopted (采用) | declined (未采用) | returned (退回修改)
    returned ──► submitted (resubmitted)        declined ──► adopted (adopted later after all)

Adopting one links it to the content item that then goes through review like any other.

An *adoption* is one record that a body used an item or a submission: the office's own
《信息》 (本级) or a higher-level one (市级/省级/国家级 政务信息, mainstream media). Publications on
the office's own channels are adoptions too, but they live in `publications`; reports read both.
Every write here leaves its row in `audit_log` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from publisher.ledger.columns import BigId, UTCDateTime
from publisher.ledger.core import LedgerCore, os_user
from publisher.ledger.schema import metadata

SUBMISSION_STATES = {
    "submitted": "报送",
    "adopted": "采用",
    "declined": "未采用",
    "returned": "退回修改",
}
STATE_BY_LABEL = {label: code for code, label in SUBMISSION_STATES.items()}
SUBMISSION_MOVES = {
    "submitted": {"adopted", "declined", "returned"},
    "returned": {"submitted"},
    "declined": {"adopted"},
    "adopted": set(),
}

submissions = Table(
    "submissions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("department", String(200), nullable=False),
    Column("reporter", String(200), nullable=True),
    Column("info_type", String(40), nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("item_id", String(200), nullable=True),
    Column("source", String(16), nullable=False),
    Column("file", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint(
        "state IN (" + ", ".join(f"'{s}'" for s in SUBMISSION_STATES) + ")", name="state"
    ),
    Index("ix_submissions_item_id", "item_id"),
)

adoptions = Table(
    "adoptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # Exactly one of the two: an item of the content repo, or a submission without one.
    Column("item_id", String(200), nullable=True),
    Column("submission_id", BigId, ForeignKey("submissions.id"), nullable=True),
    Column("level", String(40), nullable=False),
    Column("outlet", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("adopted_at", UTCDateTime, nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("(item_id IS NULL) <> (submission_id IS NULL)", name="subject"),
    # One outlet adopts one piece once: `_insert_adoption` checks it inside the write
    # transaction (a unique constraint would not, as one of the two columns is always NULL).
    Index("ix_adoptions_item_id", "item_id"),
    Index("ix_adoptions_submission_id", "submission_id"),
)


class SubmissionError(ValueError):
    """A submission or adoption cannot be recorded; the message is for the editor."""


@dataclass(frozen=True)
class Submission:
    id: int
    key: str
    title: str
    department: str
    reporter: str | None
    info_type: str
    submitted_at: datetime
    state: str
    decided_at: datetime | None
    item_id: str | None
    source: str
    file: str | None
    note: str | None
    created_at: datetime

    @property
    def state_label(self) -> str:
        return SUBMISSION_STATES[self.state]


@dataclass(frozen=True)
class Adoption:
    id: int
    item_id: str | None
    submission_id: int | None
    level: str
    outlet: str
    url: str | None
    adopted_at: datetime
    source: str
    created_at: datetime


@dataclass(frozen=True)
class NewSubmission:
    """What a caller hands in; `key` is the submission's stable name (folder or 编号)."""

    key: str
    title: str
    department: str
    info_type: str
    submitted_at: datetime
    reporter: str | None = None
    state: str = "submitted"
    decided_at: datetime | None = None
    item_id: str | None = None
    file: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NewAdoption:
    level: str
    outlet: str
    adopted_at: datetime
    item_id: str | None = None
    submission_key: str | None = None
    url: str | None = None


class SubmissionsMixin(LedgerCore):
    # -- submissions ----------------------------------------------------------------------
    def add_submission(
        self, new: NewSubmission, *, source: str = "intake", actor: str | None = None, now: datetime | None = None
    ) -> Submission:
        now = self._now(now)
        with self._write() as conn:
            return self._insert_submission(conn, new, source, actor or os_user(), now)

    def _insert_submission(self, conn: Connection, new: NewSubmission, source: str, actor: str, now: datetime):
        if new.state not in SUBMISSION_STATES:
            raise SubmissionError(f"未知的报送状态“{new.state}”")
        taken = conn.execute(select(submissions.c.id).where(submissions.c.key == new.key)).first()
        if taken:
            raise SubmissionError(f"报送编号“{new.key}”已存在")
        row = (
            conn.execute(
                insert(submissions)
                .values(
                    key=new.key, title=new.title, department=new.department, reporter=new.reporter,
                    info_type=new.info_type, submitted_at=new.submitted_at, state=new.state,
                    decided_at=new.decided_at, item_id=new.item_id, source=source, file=new.file,
                    note=new.note, created_at=now,
                )  # fmt: skip
                .returning(*submissions.c)
            )
            .mappings()
            .one()
        )
        self._audit(conn, event="submission-received", actor=actor, at=now, item_id=new.item_id,
                    detail={"submission": new.key, "department": new.department, "source": source})  # fmt: skip
        return Submission(**row)

    def submissions(self) -> list[Submission]:
        with self._read() as conn:
            rows = conn.execute(select(submissions).order_by(submissions.c.id)).mappings().all()
        return [Submission(**r) for r in rows]

    def submission(self, key: str) -> Submission | None:
        with self._read() as conn:
            row = conn.execute(select(submissions).where(submissions.c.key == key)).mappings().one_or_none()
        return Submission(**row) if row else None

    def decide_submission(
        self,
        key: str,
        state: str,
        *,
        item_id: str | None = None,
        note: str | None = None,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> Submission:
        """Move a submission to `state` (adopted / declined / returned / submitted again)."""
        now = self._now(now)
        with self._write() as conn:
            row = conn.execute(select(submissions).where(submissions.c.key == key)).mappings().one_or_none()
            if row is None:
                raise SubmissionError(f"没有编号为“{key}”的报送")
            current = row["state"]
            if state not in SUBMISSION_MOVES.get(current, set()):
                raise SubmissionError(
                    f"报送“{key}”当前为“{SUBMISSION_STATES[current]}”，不能改为“{SUBMISSION_STATES.get(state, state)}”"
                )
            values: dict[str, Any] = {"state": state, "decided_at": now, "note": note or row["note"]}
            if item_id:
                values["item_id"] = item_id
            done = conn.execute(
                update(submissions)
                .where(submissions.c.id == row["id"], submissions.c.state == current)
                .values(**values)
                .returning(*submissions.c)
            ).mappings().one()
            self._audit(conn, event=f"submission-{state}", actor=actor or os_user(), at=now,
                        item_id=done["item_id"], detail={"submission": key, "from": current, "note": note})  # fmt: skip
        return Submission(**done)

    # -- adoptions ------------------------------------------------------------------------
    def record_adoption(
        self, new: NewAdoption, *, source: str = "cli", actor: str | None = None, now: datetime | None = None
    ) -> Adoption | None:
        """Record one adoption; None when that outlet's adoption of it is already recorded."""
        now = self._now(now)
        with self._write() as conn:
            return self._insert_adoption(conn, new, source, actor or os_user(), now)

    def _insert_adoption(self, conn: Connection, new: NewAdoption, source: str, actor: str, now: datetime):
        if (new.item_id is None) == (new.submission_key is None):
            raise SubmissionError("采用记录要么对应一篇稿件，要么对应一条报送")
        submission_id = None
        if new.submission_key is not None:
            submission_id = conn.execute(
                select(submissions.c.id).where(submissions.c.key == new.submission_key)
            ).scalar_one_or_none()
            if submission_id is None:
                raise SubmissionError(f"没有编号为“{new.submission_key}”的报送")
        same = select(adoptions.c.id).where(
            adoptions.c.outlet == new.outlet,
            adoptions.c.item_id.is_(None) if new.item_id is None else adoptions.c.item_id == new.item_id,
            adoptions.c.submission_id.is_(None) if submission_id is None else adoptions.c.submission_id == submission_id,
        )
        if conn.execute(same).first():
            return None
        row = (
            conn.execute(
                insert(adoptions)
                .values(item_id=new.item_id, submission_id=submission_id, level=new.level, outlet=new.outlet,
                        url=new.url, adopted_at=new.adopted_at, source=source, created_at=now)  # fmt: skip
                .returning(*adoptions.c)
            )
            .mappings()
            .one()
        )
        self._audit(conn, event="adoption-recorded", actor=actor, at=now, item_id=new.item_id,
                    detail={"submission": new.submission_key, "level": new.level, "outlet": new.outlet,
                            "url": new.url, "adopted_at": new.adopted_at.isoformat(), "source": source})  # fmt: skip
        return Adoption(**row)

    def adoptions(self) -> list[Adoption]:
        with self._read() as conn:
            rows = conn.execute(select(adoptions).order_by(adoptions.c.id)).mappings().all()
        return [Adoption(**r) for r in rows]

    # -- import: all or nothing -----------------------------------------------------------
    def import_history(
        self,
        new_submissions: Iterable[NewSubmission],
        new_adoptions: Iterable[NewAdoption],
        *,
        actor: str | None = None,
        now: datetime | None = None,
    ) -> tuple[int, int]:
        """Insert every submission and adoption in one transaction; any error rolls all back.
        Returns (submissions added, adoptions added; adoptions already recorded are skipped)."""
        now, actor = self._now(now), actor or os_user()
        added_s = added_a = 0
        with self._write() as conn:
            for new in new_submissions:
                self._insert_submission(conn, new, "import", actor, now)
                added_s += 1
            for adoption in new_adoptions:
                if self._insert_adoption(conn, adoption, "import", actor, now) is not None:
                    added_a += 1
            self._audit(conn, event="history-imported", actor=actor, at=now,
                        detail={"submissions": added_s, "adoptions": added_a})  # fmt: skip
        return added_s, added_a
