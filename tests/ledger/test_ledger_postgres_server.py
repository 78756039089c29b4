"""The PostgreSQL tests bring their own server (issue 13: without a PostgreSQL service on the
machine, `make test` skipped every PostgreSQL test). Here: that server really is started by the
tests; the ledger survives the database being stopped hard and restarted; under CI=true a
missing PostgreSQL installation fails the run instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pg_server import PostgresServer, require_postgres
from sqlalchemy.exc import OperationalError

from publisher.ledger import open_ledger

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]
T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def _add(ledger, n: int):
    version = ledger.upsert_item_version(f"item-{n}", f"src-{n}", "标题", now=T0)
    row, action = ledger.upsert_publication(f"item-{n}", version, "weibo", "wb-main", "r1", T0, now=T0)
    assert action == "create"
    return row


def test_the_session_server_is_our_own(pg_admin_url):
    if os.environ.get("PUBLISHER_TEST_POSTGRES_URL"):
        pytest.skip("PUBLISHER_TEST_POSTGRES_URL points the tests at an existing server")
    assert ":5432/" not in pg_admin_url  # a free port, not the machine's PostgreSQL service


def test_ledger_survives_the_database_crashing_and_coming_back():
    require_postgres()
    server = PostgresServer().start()
    try:
        ledger = open_ledger(server.create_database("restart"))
        first = _add(ledger, 1)
        server.stop("immediate")  # like a crash: no checkpoint, clients cut off
        with pytest.raises(OperationalError):
            _add(ledger, 2)
        server.start()
        # Committed before the crash: still there. The same Ledger object works again (pool_pre_ping).
        assert [r.id for r in ledger.publications()] == [first.id]
        second = _add(ledger, 3)
        claimed = ledger.claim_due(T0 + timedelta(minutes=1), 30.0, 10, "w1")
        assert {r.id for r in claimed} == {first.id, second.id}
        ledger.close()
    finally:
        server.destroy()
    assert server.folder is None


def _pytest(target: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("PUBLISHER_TEST_POSTGRES_URL", "CI")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", target],
        env={**base, **env}, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_missing_postgresql_fails_under_ci_and_skips_with_the_reason_otherwise(tmp_path):
    target = f"{Path(__file__).with_name('test_ledger_migrations.py')}::test_round_trip_postgres"
    missing = str(tmp_path / "no-postgresql-here")
    ci = _pytest(target, CI="true", PUBLISHER_TEST_PG_BINDIR=missing)
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "PostgreSQL required under CI=true" in ci.stdout and "initdb/pg_ctl not found" in ci.stdout
    dev = _pytest(target, PUBLISHER_TEST_PG_BINDIR=missing)
    assert dev.returncode == 0 and "1 skipped" in dev.stdout, dev.stdout
    assert "system-deps.sh" in dev.stdout
