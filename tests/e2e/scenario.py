"""The dispatcher side of an end-to-end run: sync, ticks and polls in the test process, and the
exactly-once bookkeeping read from the sandbox counters."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import requests

from publisher.ledger import State
from publisher.runtime.context import Runtime, SchedulingSettings, open_runtime
from publisher.schedule.dispatcher import poll, tick
from publisher.schedule.sync import sync
from publisher.settings import Settings
from workers.app import create_app
from workers.executor import CeleryExecutor

OPEN_STATES = (State.SCHEDULED, State.QUEUED, State.PUBLISHING)


@dataclass
class Dispatcher:
    runtime: Runtime
    executor: CeleryExecutor
    ticks: int = 0
    tick_errors: int = 0

    @classmethod
    def open(cls, cluster, monkeypatch) -> Dispatcher:
        cluster.apply_env(monkeypatch)
        settings, scheduling = Settings(), SchedulingSettings()
        runtime = open_runtime(settings, shared="redis", scheduling=scheduling)
        return cls(runtime, CeleryExecutor(create_app(settings, scheduling)))

    def sync(self):
        settings = self.runtime.settings
        return sync(settings.content_dir, self.runtime.ledger, settings)

    def step(self) -> None:
        """One dispatcher tick and one status poll; a broker outage must not stop the loop."""
        self.ticks += 1
        try:
            tick(self.runtime, self.executor)
        except Exception:  # noqa: BLE001 - e.g. Redis restarting: claims come back via recovery
            self.tick_errors += 1
        try:
            poll(self.runtime)
        except Exception:  # noqa: BLE001
            self.tick_errors += 1

    def open_rows(self) -> list:
        return self.runtime.ledger.publications(state=OPEN_STATES)

    def run_until_settled(self, timeout: float, interval: float = 0.3, on_step=None) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.step()
            if on_step is not None:
                on_step(self)
            if not self.open_rows():
                return
            if time.monotonic() > deadline:
                left = Counter(r.state.value for r in self.open_rows())
                raise AssertionError(f"not settled after {timeout}s: {dict(left)}")
            time.sleep(interval)


def counters(sandbox_url: str) -> dict[str, dict]:
    return {
        name: requests.get(f"{sandbox_url}/{name}/_admin/counters", timeout=10).json()
        for name in ("wechat", "weibo")
    }


def posts_by_key(sandbox_url: str) -> Counter:
    """How often each idempotency key (`pub-<id>`) reached a channel's publish endpoint."""
    total: Counter = Counter()
    for data in counters(sandbox_url).values():
        total.update(data.get("posts_by_key", {}))
    return total
