"""Notifications: one row per (event, target), the outbox the notifier delivers from.

The unique (event_key, target_id) pair is what makes each event reach each target once, however
many ticks and workers see it (DESIGN.md, decision 11).

Revision ID: 0003_notifications
Revises: 0002_reach
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_notifications"
down_revision = "0002_reach"
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (a migration must not follow later code).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("message", JSONData, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Time, nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_until", Time, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("sent_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("event_key", "target_id", name="uq_notifications_event_key_target_id"),
    )
    op.create_index("ix_notifications_due", "notifications", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
