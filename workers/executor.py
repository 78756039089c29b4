"""The Celery executor: hands claimed publication ids to the workers through the broker.

Registered under the `publisher.executors` entry point as "celery", so the core finds it by
name and never imports Celery.
"""

from __future__ import annotations

from celery import Celery

from workers.app import PUBLISH_TASK, create_app


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
