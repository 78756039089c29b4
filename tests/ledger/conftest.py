"""Fixtures for ledger tests: SQLite files in tmp_path, and a fresh PostgreSQL database per run.

PostgreSQL: each test session starts its own server on a free port (`tests/pg_server.py`:
initdb + pg_ctl from Debian's postgresql package), so the tests run on a fresh machine with no
PostgreSQL service. `PUBLISHER_TEST_POSTGRES_URL` points them at an existing server instead (the
admin connection used to CREATE/DROP randomly named databases). Binaries missing or the server
unreachable → skip with the reason, except under CI=true, where it fails: CI must test what
production will run on.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ledger_helpers import empty_ledger
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from publisher.ledger import Ledger, open_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pg_server import PostgresServer, PostgresUnavailable, require_postgres  # noqa: E402

EXTERNAL_URL = os.environ.get("PUBLISHER_TEST_POSTGRES_URL")


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL required under CI=true but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """This session's own PostgreSQL server (one per xdist worker)."""
    require_postgres()
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as exc:
        server.destroy()
        _unavailable(str(exc))
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def pg_admin_url(request) -> str:
    if EXTERNAL_URL:
        return EXTERNAL_URL
    return request.getfixturevalue("pg_server").admin_url()


@pytest.fixture(scope="session")
def pg_database_factory(pg_admin_url) -> Iterator[Callable[[], str]]:
    """Call it to get the URL of a new, empty database; all are dropped at the end."""
    created: list[str] = []
    admin = None

    def make() -> str:
        nonlocal admin
        if admin is None:
            try:
                admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:  # driver missing, server down, auth refused
                admin = None
                _unavailable(f"{pg_admin_url}: " + f"{type(exc).__name__}: {exc}".splitlines()[0])
        name = f"ledger_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            # Test data need not survive a power cut; commits without a WAL flush keep the suite
            # fast. Locking and visibility, which the tests are about, are unchanged.
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        created.append(name)
        return make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url(pg_database_factory) -> str:
    """One migrated database shared by the tests of this run (tables emptied between tests)."""
    url = pg_database_factory()
    open_ledger(url).close()
    return url


@pytest.fixture(scope="session")
def pg_ledger(pg_url) -> Iterator[Ledger]:
    led = open_ledger(pg_url)
    yield led
    led.close()


@pytest.fixture
def db_dir(tmp_path) -> Iterator[Path]:
    """A private folder for SQLite files, in RAM when /dev/shm exists.

    Every SQLite commit in WAL mode with synchronous=FULL waits for an fsync (~10 ms on this
    disk); on tmpfs it does not. The SQLite code path is identical.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="ledger-test-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def sqlite_url(db_dir) -> str:
    return f"sqlite:///{db_dir / 'state' / 'ledger.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger(request, sqlite_url) -> Iterator[Ledger]:
    """A migrated, empty ledger on each backend."""
    if request.param == "postgres":
        led = request.getfixturevalue("pg_ledger")
        empty_ledger(led)
        yield led
        return
    led = open_ledger(sqlite_url)
    yield led
    led.close()


@pytest.fixture
def sqlite_ledger(sqlite_url) -> Iterator[Ledger]:
    led = open_ledger(sqlite_url)
    yield led
    led.close()


T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def add_pub(ledger):
    """add_pub(item_id, account_id="wb-main", at=T0, **kw) → a scheduled planner row."""

    def add(item_id: str = "2025-03-01-news", account_id: str = "wb-main", at=T0, **kwargs):
        version = ledger.upsert_item_version(item_id, f"src-{item_id}", "标题", now=T0)
        pub, action = ledger.upsert_publication(
            item_id,
            version,
            kwargs.pop("channel", "weibo"),
            account_id,
            kwargs.pop("rendition_hash", "r1"),
            at,
            now=T0,
            **kwargs,
        )
        assert action == "create"
        return pub

    return add
