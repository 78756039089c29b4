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
from publisher.schedule.dispatcher import poll, tick
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


@app.task(name=TICK_TASK)
def dispatch_tick() -> int:
    report = tick(runtime(), CeleryExecutor(app))
    return len(report.submitted)


@app.task(name=POLL_TASK)
def poll_status() -> int:
    from publisher.publish.manual import finish_pending_retracts

    rt = runtime()
    finish_pending_retracts(rt)
    return poll(rt).polled


@app.task(name=SYNC_TASK)
def sync_content() -> int:
    """Plan what the content repo asks for (the same sync as `publisher run`)."""
    from publisher.schedule.sync import sync

    rt = runtime()
    report = sync(rt.settings.content_dir, rt.ledger, rt.settings)
    return len(report.plan.entries)


@app.task(name=REACH_TASK)
def pull_reach() -> int:
    """Reads, shares, likes and comments of recent WeChat/Weibo posts, into the ledger."""
    from publisher.publish.reach import pull_reach as pull

    return pull(runtime()).stored


@app.task(name=INSPECT_TASK)
def inspect() -> int:
    """僵尸号, stale and empty columns, broken links; the result is saved for the dashboard."""
    from publisher.office.inspection.periodic import periodic_inspection

    return periodic_inspection(runtime()).exit_code()


@app.task(name=NOTIFY_TASK)
def notify() -> int:
    """Mail and group-robot notifications: queue new events once, send what is due."""
    from publisher.office.notify import notify_once

    return notify_once(runtime()).sent
