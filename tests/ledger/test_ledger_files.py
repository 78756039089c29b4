"""The SQLite file: private, WAL, and every connection configured."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from publisher.ledger import open_ledger, utcnow
from publisher.ledger.engine import sqlite_file


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_file_and_folder_are_owner_only(db_dir):
    url = f"sqlite:///{db_dir / 'new-state' / 'ledger.sqlite3'}"
    old = os.umask(0o022)  # a typical umask would give 0644 / 0755
    try:
        ledger = open_ledger(url)
        ledger.upsert_item_version("i", "h", "t")  # write, so -wal and -shm exist
    finally:
        os.umask(old)
    path = sqlite_file(url)
    assert _mode(path.parent) == 0o700
    for name in os.listdir(path.parent):
        assert _mode(path.parent / name) == 0o600, name
    ledger.close()


def test_existing_loose_file_is_tightened(db_dir):
    path = db_dir / "ledger.sqlite3"
    path.touch()
    os.chmod(path, 0o644)
    open_ledger(f"sqlite:///{path}").close()
    assert _mode(path) == 0o600


def test_every_connection_is_configured(sqlite_ledger):
    results = []

    def probe():
        # a fresh thread takes a different pooled connection
        with sqlite_ledger.engine.connect() as conn:
            results.append(
                (
                    conn.execute(text("PRAGMA foreign_keys")).scalar(),
                    conn.execute(text("PRAGMA busy_timeout")).scalar(),
                    conn.execute(text("PRAGMA journal_mode")).scalar(),
                )
            )

    threads = [threading.Thread(target=probe) for _ in range(3)]
    with sqlite_ledger.engine.connect():  # hold one so the threads need new ones
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [(1, 30_000, "wal")] * 3


def test_foreign_keys_are_enforced(sqlite_ledger):
    with pytest.raises(IntegrityError):  # no item version 999
        sqlite_ledger.upsert_publication("i", 999, "weibo", "wb", "r", utcnow())


def test_in_memory_ledger_works():
    with open_ledger("sqlite://") as ledger:
        assert ledger.upsert_item_version("i", "h", "t") == 1


@pytest.mark.parametrize("mode", [0o755, 0o1777])
def test_an_existing_shared_folder_keeps_its_mode(db_dir, mode, caplog):
    # An operator pointing the ledger at /tmp/ledger.sqlite3 once closed /tmp to every other user:
    # only folders the ledger creates are made private; the file itself is private either way.
    shared = db_dir / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    ledger = open_ledger(f"sqlite:///{shared / 'ledger.sqlite3'}")
    ledger.upsert_item_version("i", "h", "t")
    ledger.close()
    assert _mode(shared) == mode
    assert _mode(shared / "ledger.sqlite3") == 0o600
    assert any("chmod 700" in r.getMessage() for r in caplog.records)
