"""Reach in the ledger: the figures each channel reports for a publication, with their history.

The `reach` table keeps one row per *change* of a publication's figures: pulling every hour
stores nothing while the numbers stand still, and the newest row is always the current reach.
A measurement older than the newest one stored is ignored, so the newest row is also the one
with the highest id — which is what `latest_reach` relies on.

The table is declared on the ledger's shared `metadata` (and created by migration 0002_reach),
so the schema-versus-migrations test sees it like every other table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Table, func, insert, select

from publisher.ledger.columns import BigId, UTCDateTime
from publisher.ledger.core import LedgerCore
from publisher.ledger.records import ItemVersion
from publisher.ledger.schema import item_versions, metadata

reach = Table(
    "reach",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("publication_id", BigId, ForeignKey("publications.id"), nullable=False),
    Column("measured_at", UTCDateTime, nullable=False),
    Column("reads", Integer, nullable=True),
    Column("shares", Integer, nullable=True),
    Column("likes", Integer, nullable=True),
    Column("comments", Integer, nullable=True),
    Index("ix_reach_latest", "publication_id", "measured_at"),
)

FIGURES = ("reads", "shares", "likes", "comments")


@dataclass(frozen=True)
class ReachFigures:
    """One measurement. None: the channel does not report that figure (some platforms report no reads)."""

    publication_id: int
    measured_at: datetime
    reads: int | None = None
    shares: int | None = None
    likes: int | None = None
    comments: int | None = None

    def same_figures(self, other: ReachFigures) -> bool:
        return all(getattr(self, f) == getattr(other, f) for f in FIGURES)

    @classmethod
    def from_row(cls, row) -> ReachFigures:
        return cls(**{k: row[k] for k in ("publication_id", "measured_at", *FIGURES)})


class ReachMixin(LedgerCore):
    def record_reach(
        self,
        publication_id: int,
        *,
        measured_at: datetime,
        reads: int | None = None,
        shares: int | None = None,
        likes: int | None = None,
        comments: int | None = None,
    ) -> ReachFigures | None:
        """Store a measurement when its figures differ from the newest one; returns what was
        stored, or None (unchanged, or older than the newest measurement)."""
        figures = ReachFigures(publication_id, measured_at, reads, shares, likes, comments)
        with self._write() as conn:
            newest = (
                conn.execute(
                    select(reach)
                    .where(reach.c.publication_id == publication_id)
                    .order_by(reach.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .one_or_none()
            )
            if newest is not None:
                latest = ReachFigures.from_row(newest)
                if latest.measured_at >= measured_at or latest.same_figures(figures):
                    return None
            conn.execute(
                insert(reach).values(
                    publication_id=publication_id,
                    measured_at=measured_at,
                    **{f: getattr(figures, f) for f in FIGURES},
                )
            )
        return figures

    def latest_reach(self, publication_ids: Iterable[int] | None = None) -> dict[int, ReachFigures]:
        """The newest measurement of each publication (of those given; default: all)."""
        newest = select(func.max(reach.c.id)).group_by(reach.c.publication_id)
        if publication_ids is not None:
            wanted = list(publication_ids)
            if not wanted:
                return {}
            newest = newest.where(reach.c.publication_id.in_(wanted))
        stmt = select(reach).where(reach.c.id.in_(newest.scalar_subquery()))
        with self._read() as conn:
            rows = conn.execute(stmt).mappings().all()
        return {row["publication_id"]: ReachFigures.from_row(row) for row in rows}

    def reach_history(self, publication_id: int) -> list[ReachFigures]:
        """Every stored measurement of one publication, oldest first."""
        stmt = select(reach).where(reach.c.publication_id == publication_id).order_by(reach.c.id)
        with self._read() as conn:
            return [ReachFigures.from_row(r) for r in conn.execute(stmt).mappings()]

    def list_item_versions(self, item_id: str | None = None) -> list[ItemVersion]:
        """Item versions in the order they were stored (of one item, or of all)."""
        stmt = select(item_versions).order_by(item_versions.c.id)
        if item_id is not None:
            stmt = stmt.where(item_versions.c.item_id == item_id)
        with self._read() as conn:
            return [ItemVersion.from_row(r) for r in conn.execute(stmt).mappings()]
