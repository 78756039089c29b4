"""Reach: the figures a channel reports for a publication (reads, shares, likes, comments).

One row per change of the figures, so the latest row is the current reach and the earlier
ones are its history.

Revision ID: 0002_reach
Revises: 0001_initial
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_reach"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (a migration must not follow later code).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reach",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("publication_id", BigId, nullable=False),
        sa.Column("measured_at", Time, nullable=False),
        sa.Column("reads", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reach"),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["publications.id"], name="fk_reach_publication_id_publications"
        ),
    )
    op.create_index("ix_reach_latest", "reach", ["publication_id", "measured_at"])


def downgrade() -> None:
    op.drop_index("ix_reach_latest", table_name="reach")
    op.drop_table("reach")
