"""One log level for every entry point: `PUBLISHER_LOG_LEVEL`.

Read by the `publisher` command (every subcommand, `publisher run` included), by the Celery
workers and beat (`workers/app.py`, where it overrides celery's `--loglevel` when set) and by
`publisher worker`, which passes it on to the processes it supervises.

Values: DEBUG, INFO, WARNING, ERROR, CRITICAL (any case). Unset: WARNING for the command (an
editor's terminal shows results, not chatter) and celery's own `--loglevel` for workers.
"""

from __future__ import annotations

import logging
import os
import sys

ENV = "PUBLISHER_LOG_LEVEL"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT = "WARNING"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogLevelError(ValueError):
    """A PUBLISHER_LOG_LEVEL value that is not a level name (message in Chinese)."""


def level_name(raw: str | None) -> str | None:
    """The level named by `raw`, upper-cased; None when unset or empty."""
    if raw is None or not raw.strip():
        return None
    name = raw.strip().upper()
    if name not in LEVELS:
        raise LogLevelError(f"{ENV} 的值“{raw}”无效：请使用 {'、'.join(LEVELS)} 之一")
    return name


def configured_level() -> str | None:
    """PUBLISHER_LOG_LEVEL from the environment or the `.env` file (as every setting)."""
    try:
        from publisher.settings import Settings

        raw = Settings().log_level
    except Exception:  # noqa: BLE001 - another setting is broken: its command will say so
        raw = os.environ.get(ENV)
    return level_name(raw)


def configure_command_logging() -> str:
    """Logging for a `publisher` command: stderr, at PUBLISHER_LOG_LEVEL or WARNING.

    When something already configured logging (an embedding program, a test runner), its
    handlers are kept and only the root level follows an explicit PUBLISHER_LOG_LEVEL."""
    explicit = configured_level()
    name = explicit or DEFAULT
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=name, format=FORMAT, stream=sys.stderr)
    elif explicit:
        root.setLevel(name)
    return name


def apply_to_logger(logger: logging.Logger) -> str | None:
    """Set `logger` to an explicit PUBLISHER_LOG_LEVEL (workers, beat); unset leaves it alone."""
    name = configured_level()
    if name:
        logger.setLevel(name)
    return name
