"""Worker processes for CPU-bound batches (site builds, checks of many items), started clean.

Always `forkserver`, never plain `fork`: a forked child inherits the parent's sockets and library
state, and some libraries run after-fork hooks on it — kombu closes the parent's broker
connections, blocking forever when that broker is gone (seen in the test suite: a site build hung
in a process that had used Celery earlier). Children of the fork server start from a process
that never opened any of that.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def worker_pool(workers: int, **options: Any) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"), **options)
