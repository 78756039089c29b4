"""The dispatcher tick: take back abandoned claims, claim what is due soon, hand ids over.

Nothing waits in the broker for long (DESIGN.md, decision 2): a tick claims only rows due within
the next `window_seconds` and sends them with a countdown no longer than that window, far below
Redis' `visibility_timeout`. Rows due later stay in the ledger until a later tick. The claim
(scheduled → queued) and the start (queued → publishing) are conditional updates, so a second
tick, a second dispatcher or a redelivered message changes nothing.

`poll` is the other periodic step: it asks the channels about rows awaiting an asynchronous
result (a platform job still running) and reconciles unconfirmed rows where the channel can tell.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from publisher.ledger.states import State
from publisher.publish.settle import AWAITING_PHASE, PollReport, poll_awaiting
from publisher.schedule.ledger_guard import tick_guard, write_mark

if TYPE_CHECKING:
    from publisher.runtime.context import Runtime
    from publisher.schedule.executors import Executor, LocalExecutor

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    at: datetime
    frozen: bool = False
    recovered: list[int] = field(default_factory=list)
    submitted: list[int] = field(default_factory=list)


def queued_stale_after(runtime: Runtime) -> timedelta:
    """A queued row older than this lost its message (broker restart, dead dispatcher)."""
    sched = runtime.scheduling
    if sched.queued_stale_seconds is not None:
        return timedelta(seconds=sched.queued_stale_seconds)
    return timedelta(seconds=2 * sched.window_seconds + 60)


def tick(runtime: Runtime, executor: Executor, *, now: datetime | None = None) -> TickReport:
    ledger, sched = runtime.ledger, runtime.scheduling
    now = now or runtime.now()
    report = TickReport(at=now)
    recovered = ledger.recover_stale(
        queued_stale_after(runtime),
        publishing_older_than=timedelta(seconds=sched.stale_after),
        now=now,
        actor=runtime.worker_name(),
    )
    report.recovered = [row.id for row in recovered]
    if recovered:
        log.warning("回收了 %d 条失联的发布记录：%s", len(recovered), report.recovered)
    # A restored or new ledger holds history back before anything is claimed (ledger_guard).
    tick_guard(ledger, runtime.settings, now)
    frozen = ledger.frozen_state()
    if frozen.global_freeze is not None:
        # claim_due would find nothing either; saying so is what the progress display shows.
        report.frozen = True
        return report
    rows = ledger.claim_due(now, sched.window_seconds, sched.claim_limit, runtime.worker_name())
    submit_many = getattr(executor, "submit_many", None)
    for countdown, ids in batches(rows, now, sched.window_seconds, sched.publish_batch):
        # Counted from now, not from the tick's start: claiming and sending a thousand rows
        # takes seconds on a loaded machine, and every one of them would go out that much late.
        countdown = max(0.0, countdown - (runtime.now() - now).total_seconds())
        if submit_many is not None and len(ids) > 1:
            submit_many(ids, countdown)
        else:
            for pid in ids:
                executor.submit(pid, countdown)
        report.submitted.extend(ids)
    write_mark(ledger, runtime.settings)
    if report.submitted:
        log.info("已派发 %d 条到期发布：%s", len(report.submitted), report.submitted[:20])
    return report


def batches(rows, now: datetime, window: float, size: int) -> list[tuple[float, list[int]]]:
    """Claimed rows as (countdown, ids) batches of at most `size`, each of rows due at the same
    moment (all rows already due count as one moment), earliest first: an executor that can
    (`submit_many`) runs a batch in one task, and no row of it goes out early or late."""
    groups: dict[float, list[int]] = {}
    for row in rows:
        countdown = min(window, max(0.0, (row.scheduled_at - now).total_seconds()))
        groups.setdefault(countdown, []).append(row.id)
    out = []
    for countdown in sorted(groups):
        ids = groups[countdown]
        out += [(countdown, ids[i : i + size]) for i in range(0, len(ids), size)]
    return out


def poll(runtime: Runtime, *, force: bool = False) -> PollReport:
    return poll_awaiting(runtime, force=force)


@dataclass
class DrainReport:
    ticks: int = 0
    submitted: int = 0
    polls: list[PollReport] = field(default_factory=list)
    timed_out: bool = False


def pending_now(runtime: Runtime) -> dict[str, int]:
    """What still needs this process: rows due now, in flight, or awaiting a channel's status."""
    now = runtime.now()
    counts = {"due": 0, "in_flight": 0, "awaiting": 0}
    for pub in runtime.ledger.publications(state=[State.SCHEDULED, State.QUEUED, State.PUBLISHING]):
        if pub.state is State.SCHEDULED:
            if pub.scheduled_at <= now and (pub.not_before is None or pub.not_before <= now):
                counts["due"] += 1
        elif pub.state is State.PUBLISHING and AWAITING_PHASE in pub.phases:
            counts["awaiting"] += 1
        else:
            counts["in_flight"] += 1
    return counts


def drain(
    runtime: Runtime,
    executor: LocalExecutor,
    *,
    timeout: float = 600.0,
    poll_interval: float = 1.0,
    on_progress=None,
) -> DrainReport:
    """Publish everything due now and wait for it, asynchronous channel jobs included (`publisher run --once`).

    Rows put back with a backoff for later, or held by a frozen/paused account, are left to a
    later run: `--once` never waits for the clock.
    """
    report = DrainReport()
    deadline = time.monotonic() + timeout
    while True:
        result = tick(runtime, executor)
        report.ticks += 1
        report.submitted += len(result.submitted)
        executor.wait_idle(timeout=max(0.0, deadline - time.monotonic()))
        counts = pending_now(runtime)
        if counts["awaiting"]:
            report.polls.append(poll(runtime, force=True))
            counts = pending_now(runtime)
        if on_progress is not None:
            on_progress(counts)
        if not result.submitted and not counts["awaiting"]:
            # Nothing claimable is left: what remains due belongs to a frozen or paused account,
            # or to another process; a later run takes it.
            return report
        if time.monotonic() >= deadline:
            report.timed_out = True
            return report
        if counts["awaiting"] and not result.submitted:
            time.sleep(poll_interval)


def publish_claimed(
    runtime: Runtime, executor: LocalExecutor, ids: list[int], *, timeout: float = 300.0, poll_interval: float = 1.0
) -> bool:
    """Publish rows already claimed (`publisher publish`, `republish`) here and wait for them,
    asynchronous channel jobs included; other due rows are left to the dispatcher.
    Returns False when the wait timed out."""
    deadline = time.monotonic() + timeout
    for pid in ids:
        executor.submit(pid)
    executor.wait_idle(timeout)
    while time.monotonic() < deadline:
        rows = (runtime.ledger.get(i) for i in ids)
        if not any(r and r.state is State.PUBLISHING and AWAITING_PHASE in r.phases for r in rows):
            return True
        poll(runtime, force=True)
        time.sleep(poll_interval)
    return False
