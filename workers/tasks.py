"""The tasks: each one line of work in `publisher`, with the runtime opened once per process.

The runtime (ledger engine, Redis client) is opened lazily in the process that runs the task, never
inherited across prefork's fork: SQLAlchemy pools and Redis connections must not be shared.
"""

from __future__ import annotations

import logging
import os
import threading

from celery.exceptions import SoftTimeLimitExceeded

from publisher.publish.execute import publish_publication
from publisher.runtime.context import Runtime, open_runtime
from publisher.schedule.loop import run_step
from workers.app import (
    INSPECT_TASK,
    NOTIFY_TASK,
    POLL_TASK,
    PUBLISH_TASK,
    REACH_TASK,
    SYNC_TASK,
    TICK_TASK,
    app,
)
from workers.executor import CeleryExecutor

log = logging.getLogger(__name__)
_guard = threading.Lock()
_runtime: tuple[int, Runtime] | None = None


def runtime() -> Runtime:
    global _runtime
    with _guard:
        if _runtime is None or _runtime[0] != os.getpid():
            _runtime = (os.getpid(), open_runtime(shared="redis"))
        return _runtime[1]


@app.task(name=PUBLISH_TASK)
def publish(publication_id: int) -> str:
    try:
        outcome = publish_publication(int(publication_id), runtime())
    except SoftTimeLimitExceeded:
        # The row stays `publishing`; stale recovery decides (unconfirmed if a phase was recorded).
        log.error("发布记录 %s 超时，留待回收", publication_id)
        return "timeout"
    log.info("发布记录 %s：%s %s", publication_id, outcome.result, outcome.message)
    return outcome.result


def _step(name: str):
    """One step of the scheduling loop, exactly as `publisher run` runs it."""
    return run_step(name, runtime(), CeleryExecutor(app))


@app.task(name=TICK_TASK)
def dispatch_tick() -> int:
    return len(_step("dispatch-tick").submitted)


@app.task(name=POLL_TASK)
def poll_status() -> int:
    return _step("poll-status").polled


@app.task(name=SYNC_TASK)
def sync_content() -> int:
    report = _step("sync-content")  # None: the commit was refused (logged, kept in the ledger)
    return len(report.plan.entries) if report is not None else -1


@app.task(name=REACH_TASK)
def pull_reach() -> int:
    return _step("pull-reach").stored


@app.task(name=INSPECT_TASK)
def inspect() -> int:
    return _step("inspect").exit_code()


@app.task(name=NOTIFY_TASK)
def notify() -> int:
    return _step("notify").sent
