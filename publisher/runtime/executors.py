"""Where claimed publications run: a thread pool inside `publisher run`, or Celery workers.

Both take a publication id and a short delay and end up calling the same
`publisher.publish.execute.publish_publication` (DESIGN.md, decision 6). Neither carries anything but the
id: the worker re-reads the row, and the ledger claim makes a second delivery harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from celery import Celery

    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

PUBLISH_TASK = "workers.tasks.publish"


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


class CeleryExecutor:
    """Sends `workers.tasks.publish(publication_id)` to the broker, by name.

    The countdown is never longer than the dispatcher's window (seconds), far below Redis'
    `visibility_timeout`, so the broker never holds a message long enough to redeliver it.
    """

    def __init__(self, app: Celery | None = None):
        if app is None:
            # A fresh app from the current settings (the module-level one is fixed at import).
            from workers.app import create_app

            app = create_app()
        self.app = app

    def submit(self, publication_id: int, countdown: float = 0.0) -> None:
        self.app.send_task(
            PUBLISH_TASK,
            args=[int(publication_id)],
            countdown=max(0.0, countdown) or None,
        )
