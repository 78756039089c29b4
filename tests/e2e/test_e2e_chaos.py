"""Chaos, short: ~200 publications while worker processes are SIGKILLed (5 times, each
replaced), Redis is SIGKILLed and restarted once (every queued message is lost), and the sandboxes
answer ~10 % of API calls with HTTP 503 and ~5 % too late after doing the work. A worker that
exits without being killed is never replaced and fails the test.

At the end nothing was posted twice (sandbox counter ≤ 1 for every publication and every
text) and nothing was lost (every row is final: published, or failed/unconfirmed with a reason).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from publish_fixtures import write_content
from scenario import Dispatcher, counters, posts_by_key

from publisher.ledger import State

pytestmark = [pytest.mark.redis, pytest.mark.timeout(300)]

ITEMS = 100
CHANNELS = ("wechat", "weibo")
KILLS = 5


def test_kills_restarts_and_faults_lose_nothing_and_post_nothing_twice(cluster, monkeypatch):
    rng = random.Random(20261122)
    cluster.extra_env.update(
        {
            "PUBLISHER_TASK_TIME_LIMIT": "10",
            "PUBLISHER_STALE_AFTER_SECONDS": "12",
            "PUBLISHER_QUEUED_STALE_SECONDS": "6",
            "PUBLISHER_BACKOFF_BASE_SECONDS": "0.5",
            "PUBLISHER_BACKOFF_MAX_SECONDS": "3",
            "PUBLISHER_MAX_ATTEMPTS": "10",
        }
    )
    at = datetime.now(UTC) - timedelta(minutes=1)
    write_content(cluster.tmp / "content", ITEMS, cluster.sandbox_url, channels=CHANNELS, publish_at=at, timeout=1.5)
    for name in ("wechat", "weibo"):
        faults = {"seed": 7, "error": {"rate": 0.10}, "timeout": {"rate": 0.05, "seconds": 2.5}}
        response = requests.post(f"{cluster.sandbox_url}/{name}/_admin/faults", data=json.dumps(faults), timeout=5)
        assert response.status_code == 200, response.text
    workers = [cluster.start_worker(pool="prefork", concurrency=2) for _ in range(2)]
    dispatcher = Dispatcher.open(cluster, monkeypatch)
    dispatcher.sync()
    total = len(dispatcher.runtime.ledger.publications())
    assert total == ITEMS * len(CHANNELS)

    chaos = {"kills": 0, "redis_restarts": 0, "next": time.monotonic() + 3.0}
    self_exits = []

    def wreak(d: Dispatcher) -> None:
        now = time.monotonic()
        self_exits.extend(cluster.exited_by_themselves())
        if chaos["kills"] >= KILLS or now < chaos["next"]:
            return
        victim = rng.choice(cluster.workers)
        cluster.kill_worker(victim)
        chaos["kills"] += 1
        if chaos["kills"] == 2:
            cluster.redis.kill_and_restart(down_seconds=1.0)  # the queue and unacked messages are gone
            chaos["redis_restarts"] += 1
        cluster.start_worker(pool="prefork", concurrency=2)
        chaos["next"] = now + rng.uniform(2.5, 4.5)

    started = time.monotonic()
    dispatcher.run_until_settled(timeout=170, interval=0.5, on_step=wreak)
    elapsed = time.monotonic() - started
    assert chaos == {**chaos, "kills": KILLS, "redis_restarts": 1}, chaos
    del workers
    self_exits.extend(cluster.exited_by_themselves())
    assert self_exits == [], "\n".join(e.line() for e in self_exits)

    rows = dispatcher.runtime.ledger.publications()
    states = Counter(r.state.value for r in rows)
    # Nothing lost: every row final, and every row that is not published says why.
    assert set(states) <= {"published", "failed", "unconfirmed"}, states
    unexplained = [r.id for r in rows if r.state is not State.PUBLISHED and not r.last_error_message]
    assert unexplained == []
    # Nothing twice: per publication (idempotency key) and per text, on every channel.
    sent = posts_by_key(cluster.sandbox_url)
    assert max(sent.values()) == 1, {k: v for k, v in sent.items() if v > 1}
    accounts_per_channel = Counter(c.rstrip("0123456789") for c in CHANNELS)
    for name, data in counters(cluster.sandbox_url).items():
        # The same item goes to every account of a channel: one post of each text per account.
        assert max(data["posts_by_content"].values(), default=0) <= accounts_per_channel[name], name
    # Every published row really reached its channel, exactly once.
    assert all(sent[f"pub-{r.id}"] == 1 for r in rows if r.state is State.PUBLISHED)
    assert states["published"] >= total * 0.7, states
    print(
        f"\nchaos: {total} publications in {elapsed:.0f}s, {dict(states)}, "
        f"{KILLS} kills, 1 Redis restart, {dispatcher.tick_errors} tick errors"
    )
