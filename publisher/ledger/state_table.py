"""`channels.base.SharedState` backed by the ledger database, for the local executor.

Token caches, single-flight locks and rate-limit windows live in the `shared_state` table, so
threads and processes sharing one ledger share one budget (DESIGN.md decision 5). The Celery
executor uses Redis for the same interface.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, case, cast, delete, literal, select

from channels.base import LockTimeout
from publisher.ledger.columns import UTCDateTime, utcnow
from publisher.ledger.ledger import Ledger
from publisher.ledger.schema import shared_state

_LOCK_PREFIX = "lock:"
_POLL_SECONDS = 0.05


def _at(value: datetime):
    return literal(value, UTCDateTime())


class LedgerState:
    """get/set with expiry, expiring locks, and fixed-window counters in the ledger DB."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def get(self, key: str) -> str | None:
        """The value, or None when missing or expired."""
        now = utcnow()
        with self.ledger._read() as conn:
            return conn.execute(
                select(shared_state.c.value).where(
                    shared_state.c.key == key,
                    (shared_state.c.expires_at.is_(None)) | (shared_state.c.expires_at > now),
                )
            ).scalar_one_or_none()

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        now = utcnow()
        expires = now + timedelta(seconds=ttl_seconds) if ttl_seconds is not None else None
        stmt = self.ledger._upsert(shared_state).values(key=key, value=value, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=[shared_state.c.key], set_={"value": value, "expires_at": expires}
        )
        with self.ledger._write() as conn:
            conn.execute(stmt)
            # Expired keys would otherwise pile up (window counters make one per window).
            conn.execute(delete(shared_state).where(shared_state.c.expires_at <= now))

    def delete(self, key: str) -> None:
        with self.ledger._write() as conn:
            conn.execute(delete(shared_state).where(shared_state.c.key == key))

    def try_lock(self, key: str, timeout_seconds: float = 30.0) -> str | None:
        """Take the lock if free or expired; returns the holder's token, or None."""
        now, token = utcnow(), uuid.uuid4().hex
        expires = now + timedelta(seconds=timeout_seconds)
        stmt = (
            self.ledger._upsert(shared_state)
            .values(key=_LOCK_PREFIX + key, value=token, expires_at=expires)
            .on_conflict_do_update(
                index_elements=[shared_state.c.key],
                set_={"value": token, "expires_at": expires},
                where=shared_state.c.expires_at <= _at(now),  # only steal an expired lock
            )
            .returning(shared_state.c.value)
        )
        with self.ledger._write() as conn:
            got = conn.execute(stmt).scalar_one_or_none()
        return token if got == token else None

    def unlock(self, key: str, token: str) -> bool:
        """Release the lock if `token` still holds it (it may have expired and been taken)."""
        with self.ledger._write() as conn:
            result = conn.execute(
                delete(shared_state).where(
                    shared_state.c.key == _LOCK_PREFIX + key, shared_state.c.value == token
                )
            )
        return result.rowcount == 1

    @contextmanager
    def lock(
        self, key: str, timeout_seconds: float = 30.0, blocking_timeout: float | None = None
    ) -> Iterator[str]:
        """Hold `key` for at most `timeout_seconds`; wait up to `blocking_timeout` (default: the
        same) to get it, else raise `LockTimeout`. Yields the holder's token."""
        deadline = time.monotonic() + (
            timeout_seconds if blocking_timeout is None else blocking_timeout
        )
        while (token := self.try_lock(key, timeout_seconds)) is None:
            if time.monotonic() >= deadline:
                raise LockTimeout(f"lock {key!r} busy")
            time.sleep(_POLL_SECONDS)
        try:
            yield token
        finally:
            self.unlock(key, token)

    def incr_window(self, key: str, window_seconds: float) -> int:
        """Count one hit in the current window of `key` and return the count so far.

        The window starts at the first hit and lasts `window_seconds` (like Redis INCR + EXPIRE
        NX); one atomic upsert, so concurrent workers never lose a hit.
        """
        now = utcnow()
        expires = now + timedelta(seconds=window_seconds)
        expired = shared_state.c.expires_at <= _at(now)
        stmt = (
            self.ledger._upsert(shared_state)
            .values(key=key, value="1", expires_at=expires)
            .on_conflict_do_update(
                index_elements=[shared_state.c.key],
                set_={
                    "value": case(
                        (expired, "1"),
                        else_=cast(cast(shared_state.c.value, Integer) + 1, String),
                    ),
                    "expires_at": case((expired, _at(expires)), else_=shared_state.c.expires_at),
                },
            )
            .returning(shared_state.c.value)
        )
        with self.ledger._write() as conn:
            return int(conn.execute(stmt).scalar_one())
