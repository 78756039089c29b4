"""A small batch of due publications run side by side, one thread each (issue 17).

One Celery task may carry several publication ids due at the same second. Each runs the very
same `publish_publication` in its own thread, so each keeps its own claim, its own intent marks
and its own ending: one publication's failure (a channel error, a bug, a lost claim) never touches
the others. What they share is the ledger's group commit (`LedgerCore._grouped`): their starts,
their intent marks and their endings, arriving together, share commits instead of queueing one
disk sync each behind the database lock.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from publisher.publish.context import PublishOutcome

if TYPE_CHECKING:
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

_guard = threading.Lock()
_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def _threads(size: int) -> ThreadPoolExecutor:
    """This process's pool (never inherited across a fork), grown when a bigger batch comes."""
    global _pool
    with _guard:
        if _pool is None or _pool[0] != os.getpid() or _pool[1] < size:
            if _pool is not None and _pool[0] == os.getpid():
                _pool[2].shutdown(wait=False)  # its threads end once idle; running work finishes
            _pool = (os.getpid(), size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="publish"))
        return _pool[2]


def publish_many(
    publication_ids: Sequence[int],
    runtime: Runtime,
    publish: Callable[[int, Runtime], PublishOutcome] | None = None,
) -> list[PublishOutcome]:
    """Publish each id in its own thread and wait for all; outcomes in the order given.

    An exception escaping `publish_publication` (a bug, the ledger unreachable) ends that one
    publication as "error" — its row stays where it was, for stale recovery — and the others go on.
    """
    if publish is None:
        from publisher.publish.execute import publish_publication as publish
    ids = [int(i) for i in publication_ids]
    if len(ids) == 1:  # no thread hand-off for a batch of one
        return [_guarded(publish, ids[0], runtime)]
    pool = _threads(len(ids))
    futures = [pool.submit(_guarded, publish, pid, runtime) for pid in ids]
    return [f.result() for f in futures]


def _guarded(publish: Callable[[int, Runtime], PublishOutcome], publication_id: int, runtime: Runtime) -> PublishOutcome:
    try:
        return publish(publication_id, runtime)
    except Exception as exc:
        log.exception("发布记录 %s 执行异常，留待回收", publication_id)
        return PublishOutcome(publication_id, "error", f"{type(exc).__name__}: {exc}")
