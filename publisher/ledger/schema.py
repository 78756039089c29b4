"""The ledger's tables (SQLAlchemy Core). Migrations in `migrations/versions` create exactly
these; `tests/ledger/test_migrations.py` checks that the two never drift apart."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from publisher.ledger.columns import BigId, JSONData, UTCDateTime
from publisher.ledger.states import State

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

STATE_CHECK = "state IN (" + ", ".join(f"'{s.value}'" for s in State) + ")"

item_versions = Table(
    "item_versions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("item_id", String(200), nullable=False),
    Column("source_hash", String(64), nullable=False),
    Column("commit", String(64), nullable=True),
    Column("title", Text, nullable=False),
    Column("department", String(200), nullable=True),
    Column("publish_at", UTCDateTime, nullable=True),
    Column("expire_at", UTCDateTime, nullable=True),
    Column("draft", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("item_id", "source_hash"),
)

publications = Table(
    "publications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("item_id", String(200), nullable=False),
    Column("item_version_id", BigId, ForeignKey("item_versions.id"), nullable=False),
    Column("channel", String(50), nullable=False),
    Column("account_id", String(100), nullable=False),
    Column("rendition_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("scheduled_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("phases", JSONData, nullable=False),
    Column("remote_id", String(200), nullable=True),
    Column("url", Text, nullable=True),
    Column("last_error_code", String(100), nullable=True),
    Column("last_error_message", Text, nullable=True),
    Column("not_before", UTCDateTime, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("manual", Boolean, nullable=False, default=False),
    Column("blocked_reason", Text, nullable=True),
    CheckConstraint(STATE_CHECK, name="state"),
    Index("ix_publications_due", "state", "scheduled_at"),
    Index("ix_publications_item_id", "item_id"),
    # One planner-owned row per target; republish rows (manual) are extra, never replacing it.
    Index(
        "uq_publications_target",
        "item_id",
        "channel",
        "account_id",
        unique=True,
        sqlite_where=text("NOT manual"),
        postgresql_where=text("NOT manual"),
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("publication_id", BigId, ForeignKey("publications.id"), nullable=True),
    Column("item_id", String(200), nullable=True),
    Column("event", String(40), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("detail", JSONData, nullable=False),
    Index("ix_audit_log_item_id", "item_id"),
    Index("ix_audit_log_publication_id", "publication_id"),
)

account_status = Table(
    "account_status",
    metadata,
    Column("account_id", String(100), primary_key=True),
    Column("paused_until", UTCDateTime, nullable=True),
    Column("pause_reason", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# scope "*" is the global freeze (days of mourning, emergencies); any other scope is an account.
freezes = Table(
    "freezes",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("frozen", Boolean, nullable=False),
    Column("reason", Text, nullable=True),
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)
GLOBAL_SCOPE = "*"

shared_state = Table(
    "shared_state",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
)

# The one row (id 1) saying which content repo and matrix this ledger serves, since when, and
# which accounts hold history back until `publisher adopt` (publisher.ledger.identity).
ledger_identity = Table(
    "ledger_identity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("ledger_id", String(36), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("repo", String(64), nullable=True),  # root commit of the content repo
    Column("remote", Text, nullable=True),  # its origin URL, for messages
    Column("content_path", Text, nullable=True),  # folder inside the repo, or a plain folder's path
    # {account_id: {"channel", "since", "hold_before", "hold_why"}}
    Column("accounts", JSONData, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
