"""The dispatcher tick and poll, the local executor, and what the Celery executor puts on the
broker (a real redis-server)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from publish_fixtures import SECRET_ENV, RedisServer, plan, serve, write_content
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from channels.wechat.sandbox import WeChatSandbox, WeChatSandboxConfig
from publisher.ledger import State
from publisher.publish.execute import publish_publication
from publisher.runtime.context import SchedulingSettings, open_runtime
from publisher.schedule.dispatcher import poll, tick
from publisher.schedule.executors import LocalExecutor
from publisher.settings import Settings
from workers.executor import CeleryExecutor


class RecordingExecutor:
    """Collects what the tick hands over (the thing under test is the tick, not the executor)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, float]] = []

    def submit(self, publication_id: int, countdown: float = 0.0) -> None:
        self.sent.append((publication_id, countdown))


@pytest.fixture
def wechat(monkeypatch):
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    sandbox = WeChatSandbox(WeChatSandboxConfig(publish_delay_seconds=1.0))
    app = DispatcherMiddleware(lambda e, s: s("404 Not Found", []) or [b""], {"/wechat": sandbox})
    with serve(app) as url:
        yield url, sandbox


def runtime_for(tmp_path, clock=None, **scheduling):
    settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
    scheduling = {"window_seconds": 30, "poll_seconds": 0.2, **scheduling}
    sched = SchedulingSettings(**scheduling)
    return open_runtime(settings, shared="ledger", scheduling=sched, clock=clock)


def test_tick_claims_only_rows_due_within_the_window(tmp_path, wechat):
    url, _ = wechat
    now = datetime.now(UTC).replace(microsecond=0)
    # Front matter has minute precision: due in 9–10 minutes, inside a 15-minute window.
    write_content(tmp_path / "content", 3, url, publish_at=now + timedelta(minutes=10))
    runtime = runtime_for(tmp_path, clock=lambda: now, window_seconds=900)
    rows = plan(tmp_path / "content", runtime)
    later = rows[2]
    runtime.ledger.upsert_publication(
        later.item_id, later.item_version_id, later.channel, later.account_id, later.rendition_hash,
        now + timedelta(hours=2),
    )  # fmt: skip
    executor = RecordingExecutor()
    report = tick(runtime, executor)
    assert sorted(report.submitted) == sorted(r.id for r in rows[:2])
    assert all(540 <= countdown <= 600 for _, countdown in executor.sent), executor.sent
    assert runtime.ledger.get(later.id).state is State.SCHEDULED
    # A second tick (or a second dispatcher) finds nothing more to claim.
    assert tick(runtime, executor).submitted == []


def test_freeze_stops_dispatch_at_the_next_tick(tmp_path, wechat):
    url, _ = wechat
    write_content(tmp_path / "content", 2, url)
    runtime = runtime_for(tmp_path)
    plan(tmp_path / "content", runtime)
    runtime.ledger.freeze("全国哀悼日", by="tester")
    executor = RecordingExecutor()
    report = tick(runtime, executor)
    assert report.frozen and executor.sent == []
    assert {r.state for r in runtime.ledger.publications()} == {State.SCHEDULED}
    runtime.ledger.unfreeze(by="tester")
    assert len(tick(runtime, executor).submitted) == 2


def test_freeze_after_claim_keeps_queued_rows_from_starting(tmp_path, wechat):
    url, sandbox = wechat
    write_content(tmp_path / "content", 1, url)
    runtime = runtime_for(tmp_path)
    plan(tmp_path / "content", runtime)
    executor = RecordingExecutor()
    [(pid, _)] = [(i, c) for i, c in (tick(runtime, executor) and executor.sent)]
    runtime.ledger.freeze("紧急情况", by="tester")
    outcome = publish_publication(pid, runtime)  # the message arrives after the freeze
    assert outcome.result == "skipped"
    assert runtime.ledger.get(pid).state is State.SCHEDULED
    assert sandbox.posts_by_key == {}


def test_lost_message_is_recovered_and_dispatched_again(tmp_path, wechat):
    url, sandbox = wechat
    write_content(tmp_path / "content", 1, url)
    clock = {"now": datetime.now(UTC)}
    runtime = runtime_for(tmp_path, clock=lambda: clock["now"], queued_stale_seconds=20)
    plan(tmp_path / "content", runtime)
    lost = RecordingExecutor()
    [pid] = tick(runtime, lost).submitted  # the broker loses this message
    assert runtime.ledger.get(pid).state is State.QUEUED
    clock["now"] += timedelta(seconds=25)
    executor = LocalExecutor(runtime, threads=1)
    try:
        report = tick(runtime, executor)
        assert report.recovered == [pid] and report.submitted == [pid]
        executor.wait_idle(30)
    finally:
        executor.shutdown()
    assert runtime.ledger.get(pid).state in (State.PUBLISHING, State.PUBLISHED)
    assert sandbox.posts_by_key == {f"pub-{pid}": 1}


def test_poll_settles_an_asynchronous_wechat_job(tmp_path, wechat):
    url, sandbox = wechat
    write_content(tmp_path / "content", 1, url)
    runtime = runtime_for(tmp_path)
    plan(tmp_path / "content", runtime)
    [pid] = tick(runtime, RecordingExecutor()).submitted
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "awaiting"  # the sandbox finishes jobs after 1 s
    row = runtime.ledger.get(pid)
    assert row.state is State.PUBLISHING and "awaiting_status" in row.phases
    assert poll(runtime, force=True).published == 0
    time.sleep(1.1)
    report = poll(runtime)
    assert report.published == 1, report
    row = runtime.ledger.get(pid)
    assert row.state is State.PUBLISHED and row.url.endswith(row.remote_id)
    assert sandbox.posts_by_key == {f"pub-{pid}": 1}


def test_local_executor_waits_for_countdowns_and_reports_idle(tmp_path):
    seen: list[tuple[int, float]] = []
    started = time.monotonic()
    lock = threading.Lock()

    def publish(pid, runtime):
        with lock:
            seen.append((pid, time.monotonic() - started))
        return pid

    executor = LocalExecutor(runtime=None, threads=2, publish=publish)
    try:
        executor.submit(1, countdown=1.0)
        executor.submit(2)
        assert executor.wait_idle(10)
    finally:
        executor.shutdown()
    assert sorted(p for p, _ in seen) == [1, 2]
    assert [p for p, _ in seen] == [2, 1] and dict(seen)[1] >= 1.0
    assert sorted(executor.outcomes) == [1, 2]


def test_celery_executor_puts_only_the_id_on_the_broker(tmp_path):
    import redis

    from workers.app import create_app

    server = RedisServer(tmp_path / "redis").start()
    try:
        settings = Settings(broker_url=server.url, state_dir=tmp_path / "state")
        app = create_app(settings, SchedulingSettings(window_seconds=5))
        CeleryExecutor(app).submit(42, countdown=3)
        client = redis.Redis(port=server.port)
        [raw] = client.lrange("celery", 0, -1)
        message = json.loads(raw)
        headers = message["headers"]
        assert headers["task"] == "workers.tasks.publish"
        assert message["content-type"] == "application/json"
        assert json.loads(__import__("base64").b64decode(message["body"]))[0] == [42]
        assert headers["eta"] is not None  # a short countdown, never a far ETA
        eta = datetime.fromisoformat(headers["eta"])
        assert eta - datetime.now(eta.tzinfo) < timedelta(seconds=5)
    finally:
        server.stop()
