"""Where claimed publications run: the `Executor` protocol, the thread pool inside
`publisher run`, and the lookup of remote executors (Celery workers, `workers/`) by name.

Every executor takes a publication id and a short delay and ends up calling the same
`publisher.publish.execute.publish_publication` (DESIGN.md, decision 6). None carries anything
but the id: the worker re-reads the row, and the ledger claim makes a second delivery harmless.
The core never imports Celery: a remote executor registers under the entry-point group
`publisher.executors` (the Celery one: `workers.executor:CeleryExecutor`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

EXECUTOR_GROUP = "publisher.executors"


class Executor(Protocol):
    def submit(self, publication_id: int, countdown: float = 0.0) -> None: ...


class LocalExecutor:
    """A thread pool in this process; delays wait on timers, not in the pool's threads.

    `wait_idle()` returns once nothing is pending or running, which is what `publisher run
    --once` and the tests need.
    """

    def __init__(
        self,
        runtime: Runtime,
        threads: int = 4,
        publish: Callable[[int, Runtime], Any] | None = None,
    ):
        if publish is None:
            from publisher.publish.execute import publish_publication as publish
        self.runtime = runtime
        self._publish = publish
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publish")
        self._cond = threading.Condition()
        self._pending = 0
        self._timers: set[threading.Timer] = set()
        self.outcomes: list[Any] = []
        self.errors: list[BaseException] = []

    def submit(self, publication_id: int, countdown: float = 0.0) -> None:
        with self._cond:
            self._pending += 1
        if countdown > 0:
            timer = threading.Timer(countdown, self._start, args=(publication_id,))
            timer.daemon = True
            with self._cond:
                self._timers.add(timer)
            timer.start()
        else:
            self._start(publication_id)

    def _start(self, publication_id: int) -> None:
        with self._cond:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
        future = self._pool.submit(self._publish, publication_id, self.runtime)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._cond:
            error = future.exception()
            if error is not None:
                # publish_publication turns every channel error into a ledger state; what lands
                # here is a bug or a database outage, and the row stays claimed for recovery.
                log.error("发布任务异常结束：%s", error, exc_info=error)
                self.errors.append(error)
            else:
                self.outcomes.append(future.result())
            self._pending -= 1
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        with self._cond:
            return self._pending

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        with self._cond:
            timers = list(self._timers)
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=True)


class ExecutorMissing(LookupError):
    """No executor is installed under that name; the message is for operators."""


def remote_executor(name: str) -> Executor:
    """The executor registered as `name` in the `publisher.executors` entry-point group."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=EXECUTOR_GROUP):
        if ep.name == name:
            return ep.load()()
    raise ExecutorMissing(
        f"找不到执行器“{name}”：请确认已安装（pip install -e .）并检查 PUBLISHER_EXECUTOR 的设置"
    )
