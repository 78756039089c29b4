"""Migrations: to head and back on both backends, and never drifting from schema.py."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from publisher.ledger import LedgerUnavailable, open_ledger
from publisher.ledger import migrate as ledger_migrate
from publisher.ledger.engine import check_sqlite_version, make_engine
from publisher.ledger.schema import metadata

TABLES = {"item_versions", "publications", "audit_log", "account_status", "freezes", "shared_state"}


def _round_trip(url: str) -> None:
    engine = make_engine(url)
    try:
        ledger_migrate.upgrade(engine)
        assert ledger_migrate.current_revision(engine) == ledger_migrate.head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], f"schema.py and migrations differ: {diff}"

        ledger_migrate.downgrade(engine, "base")
        assert ledger_migrate.current_revision(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())

        ledger_migrate.upgrade(engine)  # and up again, on a database that has been down
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_round_trip_sqlite(sqlite_url):
    _round_trip(sqlite_url)


@pytest.mark.postgres
def test_round_trip_postgres(pg_database_factory):
    _round_trip(pg_database_factory())


def test_open_twice_is_a_no_op(sqlite_url):
    first = open_ledger(sqlite_url)
    first.upsert_item_version("i", "h", "t")
    first.close()
    with open_ledger(sqlite_url) as again:
        assert again.upsert_item_version("i", "h", "t") == 1


def test_command_line(sqlite_url, capsys):
    assert ledger_migrate.main(["upgrade", "--url", sqlite_url]) == 0
    assert capsys.readouterr().out.strip() == ledger_migrate.head_revision()
    assert ledger_migrate.main(["downgrade", "base", "--url", sqlite_url]) == 0
    assert capsys.readouterr().out.strip() == "base"


def test_head_constant_matches_the_scripts():
    assert ledger_migrate.head_revision() == ledger_migrate.HEAD


def test_migrations_ship_inside_the_package():
    folder = ledger_migrate.SCRIPT_LOCATION
    assert folder.endswith("publisher/ledger/migrations")
    assert "site-packages" in folder or "/publisher/" in folder


def test_old_sqlite_is_refused_clearly():
    with pytest.raises(LedgerUnavailable, match="3.35"):
        check_sqlite_version((3, 31, 1))
    check_sqlite_version((3, 35, 0))
