"""Initial ledger: item versions, publications, audit log, account pauses, freezes, shared state.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (a migration must not follow later code).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Time = sa.DateTime(timezone=True)
STATES = (
    "blocked", "scheduled", "queued", "publishing", "published",
    "failed", "unconfirmed", "retracting", "retracted", "cancelled",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "item_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("commit", sa.String(64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("publish_at", Time, nullable=True),
        sa.Column("expire_at", Time, nullable=True),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_item_versions"),
        sa.UniqueConstraint("item_id", "source_hash", name="uq_item_versions_item_id_source_hash"),
    )
    op.create_table(
        "publications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("item_version_id", BigId, nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("account_id", sa.String(100), nullable=False),
        sa.Column("rendition_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("scheduled_at", Time, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("phases", JSONData, nullable=False),
        sa.Column("remote_id", sa.String(200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("last_error_code", sa.String(100), nullable=True),
        sa.Column("last_error_message", sa.Text(), nullable=True),
        sa.Column("not_before", Time, nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_at", Time, nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("published_at", Time, nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_publications"),
        sa.ForeignKeyConstraint(
            ["item_version_id"],
            ["item_versions.id"],
            name="fk_publications_item_version_id_item_versions",
        ),
        sa.CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")",
            name="ck_publications_state",
        ),
    )
    op.create_index("ix_publications_due", "publications", ["state", "scheduled_at"])
    op.create_index("ix_publications_item_id", "publications", ["item_id"])
    op.create_index(
        "uq_publications_target",
        "publications",
        ["item_id", "channel", "account_id"],
        unique=True,
        sqlite_where=sa.text("NOT manual"),
        postgresql_where=sa.text("NOT manual"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", Time, nullable=False),
        sa.Column("publication_id", BigId, nullable=True),
        sa.Column("item_id", sa.String(200), nullable=True),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", JSONData, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["publications.id"], name="fk_audit_log_publication_id_publications"
        ),
    )
    op.create_index("ix_audit_log_item_id", "audit_log", ["item_id"])
    op.create_index("ix_audit_log_publication_id", "audit_log", ["publication_id"])
    op.create_table(
        "account_status",
        sa.Column("account_id", sa.String(100), nullable=False),
        sa.Column("paused_until", Time, nullable=True),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_status"),
    )
    op.create_table(
        "freezes",
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_freezes"),
    )
    op.create_table(
        "shared_state",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_shared_state"),
    )


def downgrade() -> None:
    op.drop_table("shared_state")
    op.drop_table("freezes")
    op.drop_table("account_status")
    op.drop_index("ix_audit_log_publication_id", table_name="audit_log")
    op.drop_index("ix_audit_log_item_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("uq_publications_target", table_name="publications")
    op.drop_index("ix_publications_item_id", table_name="publications")
    op.drop_index("ix_publications_due", table_name="publications")
    op.drop_table("publications")
    op.drop_table("item_versions")
