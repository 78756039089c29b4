"""The tasks: each one line of work in `publisher`, with the runtime opened once per process.

The runtime (ledger engine, Redis client) is opened lazily in the process that runs the task, never
inherited across prefork's fork: SQLAlchemy pools and Redis connections must not be shared.
"""

from __future__ import annotations

import logging
import os
import threading

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init, worker_process_init

from publisher.publish.batch import publish_many
from publisher.publish.execute import publish_publication
from publisher.runtime.context import Runtime, open_runtime
from publisher.schedule.loop import run_step
from workers.app import (
    INSPECT_TASK,
    NOTIFY_TASK,
    POLL_TASK,
    PUBLISH_BATCH_TASK,
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


def _import_channels() -> None:
    """Every channel class and its network side (`channels/<name>/publishing.py`, imported by
    the channel on first use; with it requests and urllib3): ≈0.1–0.3 s of imports per pool
    process that py-spy found inside the first publication of each (issue 17)."""
    import importlib
    import importlib.util

    from channels.registry import available

    for cls in available().values():
        network = f"{cls.__module__}.publishing"
        try:
            if importlib.util.find_spec(network) is not None:
                importlib.import_module(network)
        except ImportError as exc:  # the first publication reports it for real
            log.warning("渠道 %s 的发布模块预加载失败：%s", cls.name, exc)


@worker_init.connect
def _import_before_fork(**_kwargs) -> None:
    """In the main worker process, before the prefork pool forks: the children share the imported
    modules instead of each importing them again. Nothing here opens a connection."""
    try:
        _import_channels()
    except Exception as exc:  # noqa: BLE001 - each child warms up again and reports
        log.warning("工作进程预加载渠道失败：%s", exc)


@worker_process_init.connect
def _warm_up(**_kwargs) -> None:
    """Each pool process opens its runtime and loads every channel class when it starts, not
    inside its first publication: a burst of due rows (the threads of a batch all waiting on the
    same first imports) otherwise starts seconds late after every worker restart. A failure here
    is only logged: the first task opens the runtime again and reports what is wrong. In a
    thread: Celery gives a new pool process a few seconds to report ready, and a loaded machine
    may need longer to import everything."""

    def warm() -> None:
        try:
            _import_channels()
            runtime()
        except Exception as exc:  # noqa: BLE001 - the lazy path reports it for real
            log.warning("工作进程启动预热失败（首个任务时重试）：%s", exc)

    threading.Thread(target=warm, name="warm-up", daemon=True).start()


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


@app.task(name=PUBLISH_BATCH_TASK)
def publish_batch(publication_ids: list[int]) -> list[str]:
    """Several due publications, each in its own thread with its own claim and ending; their
    ledger writes share commits (issue 17). A redelivered batch is harmless: `start` lets each row
    through once."""
    try:
        outcomes = publish_many([int(i) for i in publication_ids], runtime())
    except SoftTimeLimitExceeded:
        log.error("发布批次 %s 超时，留待回收", list(publication_ids))
        return ["timeout"]
    for outcome in outcomes:
        log.info("发布记录 %s：%s %s", outcome.publication_id, outcome.result, outcome.message)
    return [outcome.result for outcome in outcomes]


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
