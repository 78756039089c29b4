"""Shared state for adapters: token cache, locks and rate windows (`channels.base.SharedState`).

`RedisState` is what Celery workers on many machines share; `MemoryState` serves a single process
(unit tests, one-off commands). The embedded executor gets a ledger-backed implementation of the
same protocol. Values are strings; callers serialise what they keep.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis

from channels.base import LockTimeout


class MemoryState:
    """Thread-safe, in-process `SharedState`."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._values: dict[str, tuple[str, float | None]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._windows: dict[str, deque[float]] = {}

    def get(self, key: str) -> str | None:
        with self._guard:
            entry = self._values.get(key)
            if entry is None:
                return None
            value, expires_at = entry
            if expires_at is not None and expires_at <= time.monotonic():
                del self._values[key]
                return None
            return value

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        expires_at = time.monotonic() + ttl_seconds if ttl_seconds is not None else None
        with self._guard:
            self._values[key] = (value, expires_at)

    @contextmanager
    def lock(self, key: str, timeout_seconds: float = 30.0) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=timeout_seconds):
            raise LockTimeout(f"等待锁 {key} 超时")
        try:
            yield
        finally:
            lock.release()

    def incr_window(self, key: str, window_seconds: float) -> int:
        """Count this event and return how many happened in the last `window_seconds`."""
        now = time.monotonic()
        with self._guard:
            events = self._windows.setdefault(key, deque())
            while events and events[0] <= now - window_seconds:
                events.popleft()
            events.append(now)
            return len(events)


class RedisState:
    """`SharedState` on Redis: every worker process and machine sees one budget and one token.

    Keys are prefixed so several deployments (or test runs) can share one Redis. The lock is
    redis-py's `Lock` (a token in a key with an expiry), so a crashed holder frees it after
    `timeout_seconds`; waiting is bounded by the same time.
    """

    def __init__(
        self,
        redis_url: str | None = None,
        *,
        client: redis.Redis | None = None,
        prefix: str = "publisher:",
    ) -> None:
        if client is None:
            if redis_url is None:
                raise ValueError("RedisState needs redis_url or client")
            client = redis.Redis.from_url(redis_url, decode_responses=True)
        self.client = client
        self.prefix = prefix
        _check_eviction_once(client)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def get(self, key: str) -> str | None:
        value = self.client.get(self._key(key))
        if isinstance(value, bytes):
            return value.decode()
        return value

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        if ttl_seconds is None:
            self.client.set(self._key(key), value)
        else:
            # PX keeps sub-second TTLs; a zero TTL would be rejected by Redis, so floor it at 1 ms.
            self.client.set(self._key(key), value, px=max(1, int(ttl_seconds * 1000)))

    @contextmanager
    def lock(self, key: str, timeout_seconds: float = 30.0) -> Iterator[None]:
        lock = self.client.lock(
            self._key("lock:" + key), timeout=timeout_seconds, blocking_timeout=timeout_seconds
        )
        if not lock.acquire():
            raise LockTimeout(f"等待锁 {key} 超时")
        try:
            yield
        finally:
            # Held past its expiry and taken over: nothing of ours left to release.
            with suppress(redis.exceptions.LockError):
                lock.release()

    def incr_window(self, key: str, window_seconds: float) -> int:
        """Sliding window on a sorted set: add this event, drop old ones, count what is left."""
        full_key = self._key("window:" + key)
        now = time.time()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(full_key, "-inf", now - window_seconds)
        pipe.zadd(full_key, {member: now})
        pipe.zcard(full_key)
        pipe.expire(full_key, max(1, int(window_seconds) + 1))
        _, _, count, _ = pipe.execute()
        return int(count)


_checked: set[tuple] = set()
_checked_guard = threading.Lock()


def _check_eviction_once(client: redis.Redis) -> None:
    """Warn (once per server and process) when this Redis may evict tokens, locks or quotas."""
    from publisher.runtime.redis_health import warn_if_evicting

    kwargs = client.connection_pool.connection_kwargs
    key = (kwargs.get("host"), kwargs.get("port"), kwargs.get("path"), kwargs.get("db"))
    with _checked_guard:
        if key in _checked:
            return
    try:
        client.ping()
    except redis.exceptions.RedisError:
        return  # not reachable now: the next RedisState created asks again
    warn_if_evicting(client)
    with _checked_guard:
        _checked.add(key)
