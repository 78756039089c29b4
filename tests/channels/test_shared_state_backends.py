"""The two SharedState backends of publisher/runtime/redis_state.py behave alike: values with expiry,
an exclusive lock with a bounded wait, and sliding-window counters."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from channels.base import LockTimeout
from publisher.runtime.redis_state import MemoryState, RedisState


@pytest.fixture(params=["memory", "redis"])
def make_state(request):
    if request.param == "memory":
        shared = MemoryState()
        return lambda: shared
    url = request.getfixturevalue("redis_url")
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    return lambda: RedisState(url, prefix=prefix)  # a new client each call, like separate workers


def test_values_expire(make_state):
    state = make_state()
    state.set("plain", "v1")
    state.set("short", "v2", ttl_seconds=0.2)
    assert (state.get("plain"), make_state().get("short"), state.get("missing")) == ("v1", "v2", None)
    time.sleep(0.3)
    assert state.get("short") is None and state.get("plain") == "v1"


def test_lock_is_exclusive_across_holders(make_state):
    inside, most = [0], [0]
    guard = threading.Lock()

    def work() -> None:
        state = make_state()
        for _ in range(5):
            with state.lock("token", timeout_seconds=10):
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.005)
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == 1


def test_waiting_for_a_lock_is_bounded(make_state):
    holder, waiter = make_state(), make_state()
    with holder.lock("busy", timeout_seconds=5):
        started = time.monotonic()
        with pytest.raises(LockTimeout), waiter.lock("busy", timeout_seconds=0.3):
            pass
        assert time.monotonic() - started < 2


def test_window_counts_slide(make_state):
    state = make_state()
    assert [state.incr_window("posts", 0.5) for _ in range(3)] == [1, 2, 3]
    assert make_state().incr_window("other", 0.5) == 1
    time.sleep(0.6)
    assert state.incr_window("posts", 0.5) == 1


def test_redis_state_needs_a_url_or_client():
    with pytest.raises(ValueError):
        RedisState()
