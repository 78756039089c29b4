"""The child side of test_ledger_claim_race (a module of its own so `spawn` can import it)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

NOW = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def race(url: str, worker: str, barrier, results, everyone: list[int], seed: int) -> None:
    t0 = time.perf_counter()
    from publisher.ledger import open_ledger

    ledger = open_ledger(url)
    try:
        t1 = time.perf_counter()
        barrier.wait(timeout=120)  # everyone connected: claim at once
        t2 = time.perf_counter()
        claimed: list[int] = []
        while rows := ledger.claim_due(NOW, 0, 10, worker):
            claimed.extend(r.id for r in rows)
        t3 = time.perf_counter()
        barrier.wait(timeout=120)  # every row claimed: now deliver, with duplicates
        t4 = time.perf_counter()
        # its own first claims twice, then a sample of everyone's (mostly other processes')
        deliveries = claimed[:10] * 2 + random.Random(seed).sample(everyone, 40)
        started = [pid for pid in deliveries if ledger.start(pid, worker, now=NOW) is not None]
        t5 = time.perf_counter()
        timing = {"open": t1 - t0, "claim": t3 - t2, "start": t5 - t4, "starts": len(deliveries)}
        results.put((worker, claimed, started, timing))
    except BaseException as exc:  # make the parent fail with the reason, not a timeout
        results.put((worker, repr(exc), [], {}))
        raise
    finally:
        ledger.close()
