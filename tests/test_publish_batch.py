"""Batches (issue 17): rows due at the same second go to one task, run side by side, each with its
own claim and ending; their ledger writes share commits. Real SQLite ledger, real Weibo sandbox
over HTTP, a real redis-server for what the Celery executor puts on the broker."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from publish_fixtures import SECRET_ENV, RedisServer, plan, serve, write_content
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from channels.weibo.sandbox import WeiboSandbox, WeiboSandboxConfig
from publisher.ledger import State
from publisher.publish.batch import publish_many
from publisher.publish.execute import publish_publication
from publisher.runtime.context import SchedulingSettings, open_runtime
from publisher.schedule.dispatcher import batches, tick
from publisher.settings import Settings
from workers.executor import CeleryExecutor


@dataclass
class Row:
    id: int
    scheduled_at: datetime


def test_batches_group_rows_due_at_the_same_moment_and_keep_each_countdown():
    now = datetime(2026, 12, 3, 8, 0, 0, tzinfo=UTC)
    rows = [Row(1, now - timedelta(minutes=5)), Row(2, now - timedelta(seconds=1)), Row(3, now),
            *[Row(10 + i, now + timedelta(seconds=12)) for i in range(5)], Row(20, now + timedelta(seconds=13))]
    assert batches(rows, now, 30.0, 3) == [
        (0.0, [1, 2, 3]),  # already due: one moment, whatever the minute
        (12.0, [10, 11, 12]),
        (12.0, [13, 14]),
        (13.0, [20]),  # never sent with an earlier row's countdown (it would go out early)
    ]
    assert batches([Row(5, now + timedelta(minutes=9))], now, 30.0, 8) == [(30.0, [5])]  # window caps


@pytest.fixture
def weibo(monkeypatch):
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    sandbox = WeiboSandbox(WeiboSandboxConfig(hourly_limit=10_000, daily_post_limit=10_000))
    app = DispatcherMiddleware(lambda e, s: s("404 Not Found", []) or [b""], {"/weibo": sandbox})
    with serve(app) as url:
        yield url, sandbox


def test_a_batch_publishes_each_row_once_and_one_failure_touches_no_other(tmp_path, weibo):
    url, sandbox = weibo
    write_content(tmp_path / "content", 6, url, channels=("weibo",))
    settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
    runtime = open_runtime(settings, shared="ledger", scheduling=SchedulingSettings())
    plan(tmp_path / "content", runtime)
    ids = [row.id for row in runtime.ledger.claim_due(runtime.now(), 30, 100, "test")]
    assert len(ids) == 6
    broken = ids[2]

    def publish(pid, rt):
        if pid == broken:  # a bug in one publication's thread
            raise RuntimeError("boom")
        return publish_publication(pid, rt)

    writes = runtime.ledger.grouped_writes
    outcomes = publish_many(ids, runtime, publish)
    assert [o.publication_id for o in outcomes] == ids
    assert {o.publication_id: o.result for o in outcomes} == {pid: "error" if pid == broken else "published" for pid in ids}
    rows = {pid: runtime.ledger.get(pid) for pid in ids}
    assert rows[broken].state is State.QUEUED  # untouched: stale recovery hands it out again
    assert all(rows[pid].state is State.PUBLISHED for pid in ids if pid != broken)
    assert sorted(sandbox.posts_by_key.values()) == [1] * 5  # each published row: one post
    # start, intent mark, published: three grouped writes per publication
    assert runtime.ledger.grouped_writes - writes == 3 * 5
    # The same batch delivered again (a redelivered message) sends nothing more.
    again = publish_many(ids, runtime)
    assert {o.result for o in again if o.publication_id != broken} == {"skipped"}
    assert sorted(sandbox.posts_by_key.values()) == [1] * 6


class BatchRecorder:
    def __init__(self) -> None:
        self.single: list[tuple[int, float]] = []
        self.many: list[tuple[list[int], float]] = []

    def submit(self, publication_id: int, countdown: float = 0.0) -> None:
        self.single.append((publication_id, countdown))

    def submit_many(self, publication_ids: list[int], countdown: float = 0.0) -> None:
        self.many.append((list(publication_ids), countdown))


def test_the_tick_hands_rows_due_together_to_an_executor_in_batches(tmp_path, weibo):
    url, _ = weibo
    write_content(tmp_path / "content", 5, url, channels=("weibo",))
    settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
    runtime = open_runtime(settings, shared="ledger", scheduling=SchedulingSettings(publish_batch=2))
    plan(tmp_path / "content", runtime)
    executor = BatchRecorder()
    report = tick(runtime, executor)
    assert [len(ids) for ids, _ in executor.many] == [2, 2] and len(executor.single) == 1
    sent = [pid for ids, _ in executor.many for pid in ids] + [pid for pid, _ in executor.single]
    assert sorted(sent) == sorted(report.submitted) and len(sent) == 5


def test_celery_executor_puts_a_batch_of_ids_in_one_message(tmp_path):
    import redis

    from workers.app import create_app

    server = RedisServer(tmp_path / "redis").start()
    try:
        app = create_app(Settings(broker_url=server.url, state_dir=tmp_path / "state"), SchedulingSettings())
        CeleryExecutor(app).submit_many([4, 5, 6], countdown=2)
        CeleryExecutor(app).submit_many([7])  # a batch of one is the plain task
        client = redis.Redis(port=server.port)
        messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
        by_task = {m["headers"]["task"]: json.loads(base64.b64decode(m["body"]))[0] for m in messages}
        assert by_task == {"workers.tasks.publish_batch": [[4, 5, 6]], "workers.tasks.publish": [7]}
    finally:
        server.stop()


def test_countdowns_count_from_the_moment_of_sending_not_the_start_of_the_tick(tmp_path, weibo):
    """Claiming and sending many rows takes seconds on a loaded machine: the countdown of each
    batch is what is left when it is sent, or the whole burst goes out that much late."""
    url, _ = weibo
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    write_content(tmp_path / "content", 3, url, channels=("weibo",), publish_at=start)
    ticks = iter([start - timedelta(seconds=20)])  # the tick starts 20 s before the rows are due

    def clock():  # ... and everything after its first reading happens 5 s later
        return next(ticks, start - timedelta(seconds=15))

    settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
    runtime = open_runtime(settings, shared="ledger", scheduling=SchedulingSettings(), clock=clock)
    plan(tmp_path / "content", runtime)
    executor = BatchRecorder()
    tick(runtime, executor)
    assert [(sorted(ids), countdown) for ids, countdown in executor.many] == [(sorted(ids), 15.0)
                                                                           for ids, _ in executor.many]
    assert len(executor.many) == 1 and len(executor.many[0][0]) == 3
