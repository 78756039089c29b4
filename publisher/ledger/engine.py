"""Engines for the ledger: SQLite set up for many writers, PostgreSQL as given.

SQLite needs care (DESIGN.md, "Pitfalls"): WAL so readers never block the writer, a busy
timeout so concurrent writers wait instead of failing, foreign keys switched on for every
connection, and `BEGIN IMMEDIATE` for write transactions so two writers never both hold a read
lock and deadlock on the upgrade. The file and its folder are readable by the owner only.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

SQLITE_MIN_VERSION = (3, 35, 0)  # RETURNING
BUSY_TIMEOUT_MS = 30_000
# Execution option a connection sets to get BEGIN IMMEDIATE instead of a deferred BEGIN.
SQLITE_BEGIN_OPTION = "sqlite_begin"


class LedgerUnavailable(RuntimeError):
    """The ledger database cannot be used (old SQLite, bad URL, unreachable server)."""


def normalise_url(url: str) -> str:
    """`postgresql://…` means psycopg 3 here (the `postgres` extra), not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_sqlite_version(version: tuple[int, ...] = sqlite3.sqlite_version_info) -> None:
    if tuple(version) < SQLITE_MIN_VERSION:
        found = ".".join(map(str, version))
        raise LedgerUnavailable(
            f"SQLite {found} 太旧：台账需要 SQLite 3.35 或更高版本（RETURNING）。"
            f" SQLite {found} is too old: the ledger needs SQLite >= 3.35 (RETURNING)."
        )


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for in-memory databases."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def _prepare_private_file(path: Path) -> None:
    from publisher.settings import ensure_private_dir  # pydantic: only needed for files

    ensure_private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def _configure_sqlite(engine: Engine, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control away from the sqlite3 module; `_on_begin` emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """An engine for `url`, with the SQLite set-up above when it is SQLite."""
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    if backend != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    check_sqlite_version()
    path = sqlite_file(url)
    if path is None:
        # One shared connection, or every pool connection would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, wal=False)
        return engine
    _prepare_private_file(path)
    engine = create_engine(url, connect_args={"check_same_thread": False})
    _configure_sqlite(engine, wal=True)
    return engine
