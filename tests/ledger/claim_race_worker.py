"""The child side of test_ledger_claim_race (a module of its own so `spawn` can import it).

Each child is one dispatcher process; it serves races until it receives None, so the eight
processes are spawned (and import SQLAlchemy) once for both backends.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

NOW = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def serve(tasks, results, barrier) -> None:
    from publisher.ledger import open_ledger

    while (job := tasks.get()) is not None:
        url, worker, everyone, seed = job
        try:
            results.put(race(open_ledger(url), worker, barrier, everyone, seed))
        except BaseException as exc:  # make the parent fail with the reason, not a timeout
            barrier.abort()
            results.put((worker, repr(exc), [], {}))


def race(ledger, worker: str, barrier, everyone: list[int], seed: int):
    try:
        barrier.wait(timeout=120)  # everyone connected: claim at once
        t0 = time.perf_counter()
        claimed: list[int] = []
        while rows := ledger.claim_due(NOW, 0, 10, worker):
            claimed.extend(r.id for r in rows)
        t1 = time.perf_counter()
        barrier.wait(timeout=120)  # every row claimed: now deliver, with duplicates
        t2 = time.perf_counter()
        # its own first claims twice, then a sample of everyone's (mostly other processes')
        deliveries = claimed[:10] * 2 + random.Random(seed).sample(everyone, 40)
        started = [pid for pid in deliveries if ledger.start(pid, worker, now=NOW) is not None]
        timing = {"claim": t1 - t0, "start": time.perf_counter() - t2}
        return worker, claimed, started, timing
    finally:
        ledger.close()
