"""Everything a publish or a dispatcher tick needs, wired once from the settings.

The same `Runtime` serves both executors (DESIGN.md, decision 6); only the shared state differs:
Redis for Celery workers on many machines, the ledger database for `publisher run`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from channels.base import Channel, SharedState
from publisher.runtime.quotas import AccountQuotas
from publisher.settings import Settings, ensure_private_dir

if TYPE_CHECKING:
    from publisher.content.matrix import Account, Matrix
    from publisher.content.model import ContentItem
    from publisher.ledger import Ledger

SharedKind = Literal["redis", "ledger", "memory"]

# Loaded versions a runtime keeps in memory (each is one item and its matrix: a few tens of kB).
VERSIONS_KEPT = 64


class SchedulingSettings(BaseSettings):
    """Knobs of the dispatcher, the executors and the publish path (`PUBLISHER_*`)."""

    model_config = SettingsConfigDict(
        env_prefix="PUBLISHER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    redis_url: str | None = Field(None, description="shared state (tokens, quotas); default: broker_url")
    window_seconds: float = Field(30.0, gt=0, description="claim rows due within this window")
    claim_limit: int = Field(200, ge=1, description="rows claimed per tick at most")
    poll_seconds: float = Field(30.0, gt=0, description="how often async publish jobs are polled")
    sync_seconds: float = Field(
        60.0, ge=0, description="Celery beat: how often the content repo is synced (0: never)"
    )
    task_time_limit: float = Field(300.0, gt=0, description="hard limit of one publish task")
    stale_after_seconds: float | None = Field(
        None, description="a claim older than this belongs to a dead worker; > task_time_limit"
    )
    queued_stale_seconds: float | None = Field(
        None, description="a queued row older than this lost its message; default 2 windows + 60 s"
    )
    max_attempts: int = Field(6, ge=1, description="transient failures before a publication fails")
    backoff_base_seconds: float = Field(15.0, ge=0)
    backoff_max_seconds: float = Field(1800.0, ge=0)
    local_threads: int = Field(4, ge=1)
    # Each id of a batch runs in its own thread, so this is also how many requests one worker
    # process may have open at a channel at once: at 32 (128 across the bench's 4 processes)
    # the loaded sandbox answered after the 2 s read timeout and rows ended unconfirmed.
    publish_batch: int = Field(
        8, ge=1, description="publications due at the same second one Celery task carries at most"
    )
    quotas: dict[str, dict[str, int]] = Field(default_factory=dict)
    sandbox_url: str | None = Field(
        None, description="point every account whose channel has a sandbox at this server (demo, tests)"
    )

    @property
    def soft_time_limit(self) -> float:
        return max(1.0, self.task_time_limit - min(30.0, self.task_time_limit / 5))

    @property
    def stale_after(self) -> float:
        # A claim may only be taken back once the worker holding it is surely dead: Celery kills
        # a task at its hard time limit, so anything older than that (plus slack) is abandoned.
        return self.stale_after_seconds or self.task_time_limit + 60.0

    @property
    def visibility_timeout(self) -> float:
        # Redis redelivers any unacked message older than this; it must exceed the longest task
        # plus the longest countdown, or a slow task would run twice in the broker's eyes.
        return max(3600.0, 2 * (self.task_time_limit + self.window_seconds))


def default_shared_kind(settings: Settings) -> SharedKind:
    return "redis" if settings.executor == "celery" else "ledger"


@dataclass
class Runtime:
    settings: Settings
    scheduling: SchedulingSettings
    ledger: Ledger
    state: SharedState
    worker: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    quotas: AccountQuotas = field(init=False)
    # Monotonic time before which an unconfirmed row is not reconciled again (publish.settle).
    reconcile_after: dict[int, float] = field(default_factory=dict)
    # Planned versions already loaded (id → item, matrix): a version never changes once stored,
    # and every account's publication of one item shares it (issue 17: no reloading the
    # matrix and the snapshot, no ledger read, for every publication of the same version).
    _versions: OrderedDict[int, tuple[ContentItem, Matrix]] = field(default_factory=OrderedDict, repr=False)
    _versions_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.quotas = AccountQuotas(self.state, self.scheduling.quotas)

    def now(self) -> datetime:
        return self.clock()

    def worker_name(self) -> str:
        """Who holds a claim: host, process and thread, so a stale claim can be traced."""
        return f"{self.worker}/{threading.current_thread().name}"

    def load_version(
        self, item_id: str, item_version_id: int, source_hash: str | None = None
    ) -> tuple[ContentItem, Matrix]:
        """The item and matrix exactly as planned (raises `VersionMissing`). `source_hash`: the
        version's hash when the caller already read it (`Publication.version_hash`)."""
        from publisher.content.versions import VersionMissing, load_version

        with self._versions_lock:
            cached = self._versions.get(item_version_id)
            if cached is not None and cached[0].id == item_id:
                self._versions.move_to_end(item_version_id)
                return cached
        if source_hash is None:
            version = self.ledger.item_version(item_version_id)
            if version is None:
                raise VersionMissing(f"账本中找不到条目版本 {item_version_id}")
            source_hash = version.source_hash
        loaded = load_version(self.settings.state_dir, source_hash, item_id)
        with self._versions_lock:
            self._versions[item_version_id] = loaded
            while len(self._versions) > VERSIONS_KEPT:
                self._versions.popitem(last=False)
        return loaded

    def account(self, matrix: Matrix, account_id: str) -> Account | None:
        from publisher.render.renditions import sandboxed

        account = matrix.account(account_id)
        return None if account is None else sandboxed(account, self.scheduling.sandbox_url)

    def channel(self, matrix: Matrix, account_id: str) -> Channel:
        """The channel object of one account; raises LookupError with a sentence for editors."""
        from publisher.render.renditions import channel_for, image_cache_in

        account = self.account(matrix, account_id)
        if account is None:
            raise LookupError(f"publisher.toml 中已没有账号 {account_id}")
        # The planner's image cache: the worker's render then costs no image work at all.
        return channel_for(account, matrix, image_cache_in(self.settings.state_dir))


def make_state(kind: SharedKind, settings: Settings, scheduling: SchedulingSettings, ledger: Any) -> SharedState:
    if kind == "redis":
        from publisher.runtime.redis_state import RedisState

        return RedisState(scheduling.redis_url or settings.broker_url)
    if kind == "ledger":
        from publisher.ledger.state_table import LedgerState

        return LedgerState(ledger)
    from publisher.runtime.redis_state import MemoryState

    return MemoryState()


def open_runtime(
    settings: Settings | None = None,
    *,
    shared: SharedKind | None = None,
    scheduling: SchedulingSettings | None = None,
    ledger: Ledger | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Runtime:
    """Open the ledger named by the settings and wire the shared state for this executor."""
    from publisher.ledger import open_ledger

    settings = settings or Settings()
    scheduling = scheduling or SchedulingSettings()
    if ledger is None:
        if settings.database_url is None:
            # Owner only: the ledger, receipts and token caches are nobody else's business.
            ensure_private_dir(settings.state_dir)
        ledger = open_ledger(settings.resolved_database_url)
    state = make_state(shared or default_shared_kind(settings), settings, scheduling, ledger)
    runtime = Runtime(
        settings=settings,
        scheduling=scheduling,
        ledger=ledger,
        state=state,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    if clock is not None:
        runtime.clock = clock
    return runtime
