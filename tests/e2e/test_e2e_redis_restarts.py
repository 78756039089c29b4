"""Redis SIGKILLed and restarted 5 times under three real Celery worker processes and a real beat,
during a run of 200 publications (issue 13: workers died with kombu's
`AttributeError("'NoneType' object has no attribute 'hostname'")` after a Redis restart).

Nobody restarts a worker or beat here: a process that exits by itself is counted and fails the
test. At the end nothing is lost (every row published) and nothing went out twice.

A second, smaller test pins the root cause at the transport level, deterministically: the exact
sequence the consumer runs after a connection loss, on kombu's stock Redis transport (crashes)
and on ours (`workers.broker`, does not).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from publish_fixtures import RedisServer, write_content
from scenario import counters, posts_by_key

from publisher.ledger import State

pytestmark = [pytest.mark.redis, pytest.mark.timeout(300)]

ITEMS = 100
CHANNELS = ("wechat", "weibo")
REDIS_KILLS = 5
# Seconds after the start at which Redis is SIGKILLed, and how long it stays down each time.
KILL_AT = (4.0, 9.0, 14.0, 19.0, 24.0)
DOWN_FOR = (0.2, 1.0, 3.0, 0.5, 2.0)


def test_workers_and_beat_survive_five_redis_kills(cluster, monkeypatch):
    cluster.extra_env.update(
        {
            "PUBLISHER_TICK_SECONDS": "1",
            "PUBLISHER_POLL_SECONDS": "1",
            "PUBLISHER_SYNC_SECONDS": "0",  # synced once by this test
            "PUBLISHER_USE_GIT": "false",
            # No worker is killed here: a row is never "lost by its worker", however loaded the
            # machine (a short stale limit would turn slow publishes into false "unconfirmed").
            "PUBLISHER_TASK_TIME_LIMIT": "30",
            "PUBLISHER_STALE_AFTER_SECONDS": "90",
            "PUBLISHER_QUEUED_STALE_SECONDS": "5",
            "PUBLISHER_BACKOFF_BASE_SECONDS": "0.5",
            "PUBLISHER_BACKOFF_MAX_SECONDS": "3",
            "PUBLISHER_MAX_ATTEMPTS": "20",
        }
    )
    at = datetime.now(UTC) - timedelta(minutes=1)
    write_content(cluster.tmp / "content", ITEMS, cluster.sandbox_url, channels=CHANNELS, publish_at=at, timeout=2.0)
    cluster.apply_env(monkeypatch)
    from publisher.runtime.context import open_runtime
    from publisher.schedule.sync import sync

    runtime = open_runtime(shared="redis")
    sync(runtime.settings.content_dir, runtime.ledger, runtime.settings)
    total = len(runtime.ledger.publications())
    assert total == ITEMS * len(CHANNELS) >= 200

    for _ in range(3):
        cluster.start_worker(pool="prefork", concurrency=2)
    cluster.start_beat()  # the dispatcher tick and the status poll run inside the workers
    started = time.monotonic()
    kills, exits = 0, []
    while True:
        now = time.monotonic() - started
        if kills < REDIS_KILLS and now >= KILL_AT[kills]:
            cluster.redis.kill_and_restart(down_seconds=DOWN_FOR[kills])
            kills += 1
        exits += cluster.exited_by_themselves()
        open_rows = runtime.ledger.publications(state=(State.SCHEDULED, State.QUEUED, State.PUBLISHING))
        if kills == REDIS_KILLS and not open_rows:
            break
        if now > 240:
            left = Counter(r.state.value for r in open_rows)
            raise AssertionError(f"not settled after {now:.0f}s: {dict(left)}; exits: {exits}\n{cluster.logs()}")
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    time.sleep(2.0)  # a process that dies on the last restart has had time to go
    exits += cluster.exited_by_themselves()

    # No worker and no beat exited by itself.
    assert exits == [], "\n".join(e.line() for e in exits)
    assert len(cluster.workers) == 3 and cluster.beat is not None and cluster.beat.poll() is None

    rows = runtime.ledger.publications()
    states = Counter(r.state.value for r in rows)
    # Nothing lost: the broker lost its queue five times, the ledger re-dispatched every row.
    assert states == {"published": total}, (
        states, [(r.id, r.channel, r.last_error_code, r.last_error_message) for r in rows if r.state is not State.PUBLISHED]
    )  # fmt: skip
    # Nothing twice: each publication reached its channel exactly once, each text once.
    sent = posts_by_key(cluster.sandbox_url)
    assert {f"pub-{r.id}" for r in rows} == set(sent)
    assert set(sent.values()) == {1}, {k: v for k, v in sent.items() if v != 1}
    for name, data in counters(cluster.sandbox_url).items():
        assert set(data["posts_by_content"].values()) == {1}, name
    print(f"\n{total} publications in {elapsed:.0f}s, {kills} Redis SIGKILLs, 0 worker or beat exits")


def _deliver_then_lose_redis(tmp_path, transport: str | None) -> None:
    """The consumer's steps after a connection loss (kombu Connection.collect(), then close()),
    with two consuming channels, one unacknowledged message and BRPOPs in flight."""
    from kombu import Connection, Exchange, Queue

    server = RedisServer(tmp_path / f"redis-{transport or 'stock'}").start()
    conn = Connection(server.url, transport=transport)
    try:
        tasks, control = Queue("tasks", Exchange("tasks"), "tasks"), Queue("ctl", Exchange("ctl"), "ctl")
        channel = conn.default_channel
        producer = conn.Producer(channel)
        conn.Consumer(tasks, callbacks=[lambda body, message: None], channel=channel).consume()
        second = conn.channel()
        conn.Consumer(control, callbacks=[lambda body, message: None], channel=second).consume()
        producer.publish({"task": 1}, exchange="tasks", routing_key="tasks")
        conn.drain_events(timeout=5)
        assert channel.qos._delivered, "one message delivered and not acknowledged (acks_late)"
        for ch in (channel, second):
            if not ch._in_poll:
                ch._brpop_start()
        server.kill()
        conn.collect(socket_timeout=1)
        conn.close()
    finally:
        server.stop()


def test_stock_kombu_transport_crashes_where_ours_does_not(tmp_path):
    with pytest.raises(AttributeError, match="hostname"):
        # If this stops raising, kombu fixed the bug: workers/broker.py can go.
        _deliver_then_lose_redis(tmp_path, transport=None)
    _deliver_then_lose_redis(tmp_path, transport="workers.broker:Transport")


def test_the_app_uses_the_fixed_transport_for_redis_only():
    from publisher.settings import Settings
    from workers.app import create_app

    app = create_app(Settings(broker_url="redis://127.0.0.1:1/0"))
    assert app.conf.broker_transport == "workers.broker:Transport"
    assert app.conf.broker_connection_max_retries is None
    with app.connection_for_write() as conn:
        assert type(conn.transport).__module__ == "workers.broker"
    assert create_app(Settings(broker_url="sentinel://127.0.0.1:26379")).conf.broker_transport is None
