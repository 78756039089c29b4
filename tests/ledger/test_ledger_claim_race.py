"""Eight dispatcher processes race for 1,000 due rows: each row is claimed, and started, once."""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter

import pytest
from claim_race_worker import NOW, race
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


def _race(url: str) -> None:
    everyone = _seed(url)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=race, args=(url, f"d{n}", barrier, results, everyone, n))
        for n in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    try:
        reports = [results.get(timeout=180) for _ in procs]
    except queue.Empty:
        pytest.fail("a dispatcher process did not report within 180 s")
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    errors = [r for r in reports if isinstance(r[1], str)]
    assert not errors, errors
    slowest = {k: max(r[3][k] for r in reports) for k in ("open", "claim", "start")}
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


def test_claim_race_sqlite(sqlite_url):
    _race(sqlite_url)


@pytest.mark.postgres
def test_claim_race_postgres(pg_database_factory):
    _race(pg_database_factory())
