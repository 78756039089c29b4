"""The project's Celery app plus one no-op task, for the raw-Celery floor of the throughput bench.

Workers started with `-A bench.celery_app` run the real `workers.tasks` and `bench.noop`. The no-op
increments a Redis counter (one round trip) so the sender can tell when all of them ran.
"""

from __future__ import annotations

import os
import threading

import redis

import workers.tasks  # noqa: F401 - registers the real tasks on the same app
from workers.app import app

NOOP_TASK = "bench.noop"
COUNTER = "bench:noop:done"
_client: tuple[int, redis.Redis] | None = None
_guard = threading.Lock()


def _redis() -> redis.Redis:
    global _client
    with _guard:
        if _client is None or _client[0] != os.getpid():
            _client = (os.getpid(), redis.Redis.from_url(os.environ["PUBLISHER_BROKER_URL"]))
        return _client[1]


@app.task(name=NOOP_TASK)
def noop() -> None:
    _redis().incr(COUNTER)


__all__ = ["app", "noop"]
