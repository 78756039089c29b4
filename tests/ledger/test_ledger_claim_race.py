"""Eight dispatcher processes race for 1,000 due rows: each row is claimed, and started, once."""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter

import pytest
from claim_race_worker import NOW, serve
from sqlalchemy import func, insert, select

from publisher.ledger import State, open_ledger
from publisher.ledger.schema import audit_log, item_versions, publications

PROCESSES, ROWS = 8, 1000


def _seed(url: str) -> list[int]:
    with open_ledger(url) as ledger, ledger.engine.begin() as conn:
        version = conn.execute(
            insert(item_versions)
            .values(item_id="i", source_hash="h", title="t", draft=False, created_at=NOW)
            .returning(item_versions.c.id)
        ).scalar_one()
        rows = [
            {
                "item_id": f"item-{n}",
                "item_version_id": version,
                "channel": "weibo",
                "account_id": f"acct-{n % 3}",
                "rendition_hash": "r",
                "state": "scheduled",
                "scheduled_at": NOW,
                "attempts": 0,
                "phases": {},
                "manual": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(ROWS)
        ]
        return list(conn.execute(insert(publications).returning(publications.c.id), rows).scalars())


@pytest.fixture(scope="module")
def dispatchers():
    """Eight spawned dispatcher processes, shared by the races of this module."""
    ctx = multiprocessing.get_context("spawn")
    tasks, results, barrier = ctx.Queue(), ctx.Queue(), ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=serve, args=(tasks, results, barrier)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    yield tasks, results, barrier
    for _ in procs:
        tasks.put(None)
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()


def _race(url: str, dispatchers) -> None:
    everyone = _seed(url)
    tasks, results, barrier = dispatchers
    barrier.reset()
    for n in range(PROCESSES):
        tasks.put((url, f"d{n}", everyone, n))
    try:
        reports = [results.get(timeout=180) for _ in range(PROCESSES)]
    except queue.Empty:
        pytest.fail("a dispatcher process did not report within 180 s")
    errors = [r for r in reports if isinstance(r[1], str)]
    assert not errors, errors
    slowest = {k: round(max(r[3][k] for r in reports), 2) for k in ("claim", "start")}
    print(f"claim race on {url.split(':')[0]}: slowest process (s): {slowest}")

    claimed = Counter(pid for _, ids, _, _ in reports for pid in ids)
    started = Counter(pid for _, _, ids, _ in reports for pid in ids)
    assert set(claimed) == set(everyone) and max(claimed.values()) == 1
    assert max(started.values()) == 1  # every queued row delivered at least once started once
    assert len(started) >= PROCESSES * 10
    busy = sum(1 for _, ids, _, _ in reports if ids)
    assert busy >= 2, "the race never happened: one process claimed everything"

    with open_ledger(url) as ledger, ledger.engine.connect() as conn:
        per_row = conn.execute(
            select(audit_log.c.event, audit_log.c.publication_id, func.count()).group_by(
                audit_log.c.event, audit_log.c.publication_id
            )
        ).all()
        states = conn.execute(
            select(publications.c.state, publications.c.attempts, func.count()).group_by(
                publications.c.state, publications.c.attempts
            )
        ).all()
    claims = {pid: n for event, pid, n in per_row if event == "claim"}
    starts = {pid: n for event, pid, n in per_row if event == "start"}
    assert claims == dict.fromkeys(everyone, 1)
    assert starts == dict.fromkeys(started, 1)
    assert sorted(states) == sorted(
        [(State.PUBLISHING.value, 1, len(started)), (State.QUEUED.value, 0, ROWS - len(started))]
    )


def test_claim_race_sqlite(sqlite_url, dispatchers):
    _race(sqlite_url, dispatchers)


@pytest.mark.postgres
def test_claim_race_postgres(pg_database_factory, dispatchers):
    _race(pg_database_factory(), dispatchers)
