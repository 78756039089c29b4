"""Group commit (issue 17): writes that threads of one process queue while a commit is under way
share the next transaction and its one commit; each write is still committed before its caller
returns, and one write's error touches no other write. SQLite file (WAL, synchronous=FULL) and
PostgreSQL, real databases."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import insert, select

from publisher.ledger.schema import audit_log


def _note(ledger, label: str, gate: threading.Event | None = None):
    def write(conn):
        conn.execute(insert(audit_log).values(event="test", actor=label, detail={}, at=ledger._now(None)))
        if gate is not None:  # the first group's write holds its transaction open a moment
            assert gate.wait(10)
        if label == "bad":
            raise ValueError("this write fails")
        return label

    return write


def _actors(ledger) -> list[str]:
    with ledger.engine.connect() as conn:
        return sorted(conn.execute(select(audit_log.c.actor).where(audit_log.c.event == "test")).scalars())


def test_writes_queued_during_a_commit_share_the_next_one_and_fail_alone(ledger):
    gate = threading.Event()
    results: dict[str, object] = {}

    def run(label: str, write) -> None:
        try:
            results[label] = ledger._grouped(write)
        except Exception as exc:  # noqa: BLE001 - the test looks at which error reached whom
            results[label] = exc

    commits = ledger.group_commits
    first = threading.Thread(target=run, args=("first", _note(ledger, "first", gate)))
    first.start()
    deadline = time.monotonic() + 10
    while not ledger._group.leading and time.monotonic() < deadline:
        time.sleep(0.005)
    labels = ["a", "b", "bad", "c", "d"]
    others = [threading.Thread(target=run, args=(label, _note(ledger, label))) for label in labels]
    for thread in others:
        thread.start()
    while len(ledger._group.queue) < len(labels) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(ledger._group.queue) == len(labels)  # all waiting behind the first transaction
    gate.set()
    for thread in [first, *others]:
        thread.join(10)

    assert ledger.group_commits - commits == 2  # the first alone, then the five together
    assert isinstance(results["bad"], ValueError)
    assert {k: v for k, v in results.items() if k != "bad"} == {k: k for k in ["first", "a", "b", "c", "d"]}
    # Committed: visible from another connection; the failed write's row was rolled back alone.
    assert _actors(ledger) == ["a", "b", "c", "d", "first"]
    assert not ledger._group.leading and not ledger._group.queue


def test_a_lone_write_is_its_own_transaction_and_its_error_its_own(ledger):
    assert ledger._grouped(_note(ledger, "alone")) == "alone"
    with pytest.raises(ValueError):
        ledger._grouped(_note(ledger, "bad"))
    assert _actors(ledger) == ["alone"]
    assert not ledger._group.leading


def test_many_threads_each_see_their_own_write_committed(ledger):
    labels = [f"w{i:02d}" for i in range(24)]
    seen: dict[str, list[str]] = {}

    def run(label: str) -> None:
        ledger._grouped(_note(ledger, label))
        seen[label] = _actors(ledger)  # after return, from a new connection: on disk already

    commits = ledger.group_commits
    threads = [threading.Thread(target=run, args=(label,)) for label in labels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert _actors(ledger) == labels
    assert all(label in seen[label] for label in labels)
    assert ledger.group_commits - commits <= len(labels)
