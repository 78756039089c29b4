"""The one scheduling loop: every periodic step of the system and how often it runs.

    steps = loop_steps()                       # sync, tick, poll, reach, inspect, notify
    SchedulingLoop(runtime, executor, steps).run_forever(stop)   # `publisher run`

Celery beat fires one task per step on the same intervals (workers/app.py builds its schedule
from `loop_steps()`), and each task runs the same step function (`run_step`), so the resident
`publisher run` and a Celery deployment do exactly the same work, only in different processes.
A step that raises is logged and tried again at its next turn; it never stops the other steps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publisher.runtime.context import Runtime
    from publisher.schedule.executors import Executor
    from publisher.settings import Settings

log = logging.getLogger(__name__)

StepFunction = Callable[["Runtime", "Executor"], Any]


@dataclass(frozen=True)
class Step:
    name: str  # also the Celery beat entry's name
    seconds: float  # 0: switched off
    run: StepFunction
    # A turn that waited longer than this is worthless: the next one is coming.
    expires_factor: float = 1.0
    # Off the publishing path: in `publisher run` it runs in a thread of its own, so a slow mail
    # server or platform never delays a dispatch tick (Celery runs every step as its own task).
    background: bool = False

    @property
    def expires(self) -> float:
        return max(1.0, self.expires_factor * self.seconds)


def sync_step(runtime: Runtime, executor: Executor) -> Any:
    """Plan what the content repo asks for. A commit that cannot be used (broken configuration,
    a repo git will not open) is said on every turn until it is fixed, in the log and in the
    ledger for `status` and the dashboard; publishing goes on with what was planned before.
    Returns the SyncReport, or None for a refused turn."""
    from publisher.schedule.sync import ConfigRefused, SourceRefused, sync

    try:
        report = sync(runtime.settings.content_dir, runtime.ledger, runtime.settings)
    except (ConfigRefused, SourceRefused) as exc:
        log.warning("%s", exc)
        return None
    for finding in report.findings:  # INFO: `publisher run` prints them itself, status keeps them
        log.info("%s：无法读取，已跳过（此前的排期保持不变）：%s", finding.location, finding.message)
    return report


def tick_step(runtime: Runtime, executor: Executor) -> Any:
    """Claim what is due within the window and hand it to the executor."""
    from publisher.schedule.dispatcher import tick

    return tick(runtime, executor)


def poll_step(runtime: Runtime, executor: Executor) -> Any:
    """Finish retractions the planner asked for; ask channels about asynchronous results."""
    from publisher.publish.manual import finish_pending_retracts
    from publisher.schedule.dispatcher import poll

    finish_pending_retracts(runtime)
    return poll(runtime)


def reach_step(runtime: Runtime, executor: Executor) -> Any:
    """Reach figures of recent posts, into the ledger."""
    from publisher.publish.reach import pull_reach

    return pull_reach(runtime)


def inspect_step(runtime: Runtime, executor: Executor) -> Any:
    """The national inspection rules over accounts and the website; saved for the dashboard."""
    from publisher.office.inspection.periodic import periodic_inspection

    return periodic_inspection(runtime)


def notify_step(runtime: Runtime, executor: Executor) -> Any:
    """Mail and group-robot notifications: queue new events once, send what is due."""
    from publisher.office.notify import notify_once

    return notify_once(runtime)


def loop_steps(settings: Settings | None = None, *, sync_seconds: float | None = None) -> list[Step]:
    """Every periodic step with its interval from the settings (`PUBLISHER_*`); `sync_seconds`
    overrides the content sync interval (`publisher run --sync-every`)."""
    # Late: each settings class lives with the step it tunes.
    from publisher.office.inspection.periodic import MonitoringSettings
    from publisher.office.notify.notifier import NotifyLoopSettings
    from publisher.runtime.context import SchedulingSettings
    from publisher.settings import Settings

    settings = settings or Settings()
    scheduling, monitoring = SchedulingSettings(), MonitoringSettings()
    return [
        Step("sync-content", scheduling.sync_seconds if sync_seconds is None else sync_seconds, sync_step),
        Step("dispatch-tick", settings.tick_seconds, tick_step, expires_factor=2.0),
        Step("poll-status", scheduling.poll_seconds, poll_step),
        Step("pull-reach", monitoring.reach_seconds, reach_step, background=True),
        Step("inspect", monitoring.inspect_seconds, inspect_step, background=True),
        Step("notify", NotifyLoopSettings().notify_seconds, notify_step, background=True),
    ]


def run_step(name: str, runtime: Runtime, executor: Executor, steps: list[Step] | None = None) -> Any:
    """Run one step by name (a Celery task's whole body)."""
    for step in loop_steps(runtime.settings) if steps is None else steps:
        if step.name == name:
            return step.run(runtime, executor)
    raise LookupError(f"no scheduling step named {name!r}")


class SchedulingLoop:
    """Runs each enabled step when its interval has passed, in order: publishing steps in this
    thread, background steps each in a thread of its own (a turn still running is not started
    again).

    Every step is due at the start, so a fresh `publisher run` syncs, dispatches and polls at
    once. `on_result(step, result)` lets the caller report (the CLI prints what a tick sent).
    """

    def __init__(
        self,
        runtime: Runtime,
        executor: Executor,
        steps: list[Step],
        *,
        on_result: Callable[[Step, Any], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime, self.executor = runtime, executor
        self.steps = [s for s in steps if s.seconds > 0]
        self.on_result = on_result
        self.clock = clock
        self.next_at = {s.name: 0.0 for s in self.steps}
        self.running: dict[str, threading.Thread] = {}

    def run_due(self) -> list[str]:
        """Run every step whose turn has come; returns their names."""
        ran = []
        for step in self.steps:
            now = self.clock()
            if now < self.next_at[step.name]:
                continue
            if step.background and self._busy(step):
                continue  # the last turn is still going: this one is skipped, not queued
            self.next_at[step.name] = now + step.seconds
            ran.append(step.name)
            if step.background:
                thread = threading.Thread(target=self._turn, args=(step,), name=f"step-{step.name}", daemon=True)
                self.running[step.name] = thread
                thread.start()
            else:
                self._turn(step)
        return ran

    def _busy(self, step: Step) -> bool:
        thread = self.running.get(step.name)
        return thread is not None and thread.is_alive()

    def _turn(self, step: Step) -> None:
        try:
            result = step.run(self.runtime, self.executor)
        except Exception:  # noqa: BLE001 - one step's trouble must not stop the others
            log.exception("定时步骤 %s 出错，将在下一轮重试", step.name)
            return
        if self.on_result is not None:
            self.on_result(step, result)

    def join_background(self, timeout: float | None = None) -> None:
        """Wait for background turns still running (shutdown, tests)."""
        for thread in list(self.running.values()):
            thread.join(timeout)

    def seconds_to_next(self) -> float:
        return max(0.0, min(self.next_at.values(), default=self.clock() + 1.0) - self.clock())

    def run_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            self.run_due()
            stop.wait(min(self.seconds_to_next(), 1.0))
