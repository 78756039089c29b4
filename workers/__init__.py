"""Celery workers: a thin shell around `publisher.publish.execute` and `publisher.schedule.dispatcher`.

    celery -A workers worker --beat --loglevel INFO

`celery -A workers` finds `app` here. Settings come from `PUBLISHER_*` environment variables
(broker_url, database_url, tick_seconds, task_time_limit, …), as for the `publisher` command.
"""

from workers.app import app

__all__ = ["app"]
