"""Ledger identity: which content repo and matrix a ledger serves, since when, and what it holds.

One row (id 1), written on the first sync (DESIGN.md, decision 10; issue 13).

Revision ID: 0005_ledger_identity
Revises: 0004_submissions
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_ledger_identity"
down_revision = "0004_submissions"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (a migration must not follow later code).
JSONData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledger_identity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ledger_id", sa.String(36), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("repo", sa.String(64), nullable=True),
        sa.Column("remote", sa.Text(), nullable=True),
        sa.Column("content_path", sa.Text(), nullable=True),
        sa.Column("accounts", JSONData, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_identity"),
    )


def downgrade() -> None:
    op.drop_table("ledger_identity")
