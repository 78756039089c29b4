"""Submissions (报送) and adoptions (采用 at every level), in tables of their own.

Revision ID: 0004_submissions
Revises: 0003_notifications
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_submissions"
down_revision = "0003_notifications"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (a migration must not follow later code).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.DateTime(timezone=True)
STATES = ("submitted", "adopted", "declined", "returned")


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("reporter", sa.String(200), nullable=True),
        sa.Column("info_type", sa.String(40), nullable=False),
        sa.Column("submitted_at", Time, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_at", Time, nullable=True),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("key", name="uq_submissions_key"),
        sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="ck_submissions_state"),
    )
    op.create_index("ix_submissions_item_id", "submissions", ["item_id"])
    op.create_table(
        "adoptions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("submission_id", BigId, nullable=True),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("outlet", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("adopted_at", Time, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_adoptions"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name="fk_adoptions_submission_id_submissions"),
        sa.CheckConstraint("(item_id IS NULL) <> (submission_id IS NULL)", name="ck_adoptions_subject"),
    )
    op.create_index("ix_adoptions_item_id", "adoptions", ["item_id"])
    op.create_index("ix_adoptions_submission_id", "adoptions", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_adoptions_submission_id", table_name="adoptions")
    op.drop_index("ix_adoptions_item_id", table_name="adoptions")
    op.drop_table("adoptions")
    op.drop_index("ix_submissions_item_id", table_name="submissions")
    op.drop_table("submissions")
