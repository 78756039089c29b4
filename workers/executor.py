"""The Celery executor: hands claimed publication ids to the workers through the broker.

Registered under the `publisher.executors` entry point as "celery", so the core finds it by
name and never imports Celery.
"""

from __future__ import annotations

from celery import Celery

from workers.app import PUBLISH_BATCH_TASK, PUBLISH_TASK, create_app


class CeleryExecutor:
    """Sends `workers.tasks.publish(publication_id)` to the broker, by name.

    The countdown is never longer than the dispatcher's window (seconds), far below Redis'
    `visibility_timeout`, so the broker never holds a message long enough to redeliver it.
    """

    def __init__(self, app: Celery | None = None):
        # A fresh app from the current settings (the module-level one is fixed at import).
        self.app = app or create_app()

    def submit(self, publication_id: int, countdown: float = 0.0) -> None:
        self.app.send_task(
            PUBLISH_TASK,
            args=[int(publication_id)],
            countdown=max(0.0, countdown) or None,
        )

    def submit_many(self, publication_ids: list[int], countdown: float = 0.0) -> None:
        """Ids due at the same second, in one message: one worker process runs them side by side
        and their ledger writes share commits (publisher.publish.batch)."""
        ids = [int(i) for i in publication_ids]
        if len(ids) == 1:
            self.submit(ids[0], countdown)
            return
        self.app.send_task(PUBLISH_BATCH_TASK, args=[ids], countdown=max(0.0, countdown) or None)
