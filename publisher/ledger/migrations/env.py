"""Alembic environment for the ledger.

Normally run through `publisher.ledger.migrate`, which passes an open connection inside a
transaction in `config.attributes["connection"]`; the plain `sqlalchemy.url` path is there for
`revision --autogenerate`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from publisher.ledger.schema import metadata

# Any constant: every process migrating a PostgreSQL ledger takes the same advisory lock.
_PG_MIGRATION_LOCK = 7_301_117


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        transaction_per_migration=False,
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from publisher.ledger.engine import make_engine

    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported for the ledger")
run_migrations_online()
