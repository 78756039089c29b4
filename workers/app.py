"""The Celery app: broker, reliability settings and the beat schedule, all from the settings.

Reliability (DESIGN.md, decisions 1–2, and "Pitfalls already known"):
- `task_acks_late` + `task_reject_on_worker_lost`: a task whose worker dies goes back to the
  queue instead of vanishing; the ledger claim makes its second run harmless.
- `worker_prefetch_multiplier = 1`: a worker holds one unacked message per process, so a dead
  worker strands as little as possible.
- `visibility_timeout` above the longest task time limit plus the longest countdown: Redis
  redelivers any unacked message older than it, and a task still running must not run twice.
- JSON only: tasks carry publication ids, never pickled objects.
- No `rate_limit`: it counts per process; shared budgets live in Redis (`publisher.runtime.quotas`).
- The Redis transport is kombu's with the broker-restart crash fixed (`workers.broker`): without
  it a worker holding unacked messages exits when Redis is killed and restarted.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_ready

from publisher.runtime.context import SchedulingSettings
from publisher.schedule.loop import loop_steps
from publisher.settings import Settings
from workers.broker import transport_for

PUBLISH_TASK = "workers.tasks.publish"
# Several publication ids due at the same second, run side by side (publisher.publish.batch).
PUBLISH_BATCH_TASK = "workers.tasks.publish_batch"
TICK_TASK = "workers.tasks.dispatch_tick"
POLL_TASK = "workers.tasks.poll_status"
SYNC_TASK = "workers.tasks.sync_content"
REACH_TASK = "workers.tasks.pull_reach"
INSPECT_TASK = "workers.tasks.inspect"
NOTIFY_TASK = "workers.tasks.notify"
# The task that runs each step of publisher.schedule.loop.
STEP_TASKS = {
    "sync-content": SYNC_TASK,
    "dispatch-tick": TICK_TASK,
    "poll-status": POLL_TASK,
    "pull-reach": REACH_TASK,
    "inspect": INSPECT_TASK,
    "notify": NOTIFY_TASK,
}


def create_app(settings: Settings | None = None, scheduling: SchedulingSettings | None = None) -> Celery:
    settings = settings or Settings()
    scheduling = scheduling or SchedulingSettings()
    # Beat fires the same steps, on the same intervals, as the resident `publisher run`.
    schedule = {
        step.name: {"task": STEP_TASKS[step.name], "schedule": step.seconds, "options": {"expires": step.expires}}
        for step in loop_steps(settings)
        if step.seconds
    }
    app = Celery("workers", broker=settings.broker_url, include=["workers.tasks"])
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=scheduling.task_time_limit,
        task_soft_time_limit=scheduling.soft_time_limit,
        broker_transport_options={"visibility_timeout": scheduling.visibility_timeout},
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,  # a broker outage of any length ends in a reconnect
        broker_transport=transport_for(settings.broker_url),
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        timezone=settings.timezone,
        enable_utc=True,
        beat_schedule=schedule,
    )
    return app


app = create_app()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _apply_publisher_log_level(logger=None, **_kwargs) -> None:
    # PUBLISHER_LOG_LEVEL, when set, is the level of workers and beat too (over --loglevel).
    from publisher.runtime.logs import apply_to_logger

    if logger is not None:
        apply_to_logger(logger)


@worker_ready.connect
def _warn_if_redis_evicts(sender=None, **_kwargs) -> None:
    # Broker messages, claim locks and token caches must never be evicted (DESIGN.md pitfalls).
    from publisher.runtime.redis_health import warn_if_evicting

    worker_app = getattr(sender, "app", None) or app
    warn_if_evicting(str(worker_app.conf.broker_url), logging.getLogger("workers"))
