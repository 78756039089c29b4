"""LedgerState: the local executor's token cache, locks and rate windows."""

from __future__ import annotations

import threading
import time

import pytest

from publisher.ledger import LedgerState, LockTimeout


@pytest.fixture
def state(ledger):
    return LedgerState(ledger)


def test_get_set_expire(state):
    assert state.get("token:wx") is None
    state.set("token:wx", "abc", ttl_seconds=0.3)
    state.set("forever", "1")
    assert state.get("token:wx") == "abc"
    time.sleep(0.4)
    assert state.get("token:wx") is None and state.get("forever") == "1"
    state.set("token:wx", "def")
    assert state.get("token:wx") == "def"


def test_lock_is_exclusive_across_threads(state):
    inside, overlaps, done = [], [], []

    def work(n):
        with state.lock("refresh:wx", timeout_seconds=10):
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            time.sleep(0.02)
            inside.remove(n)
            done.append(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(done) == list(range(6)) and overlaps == []


def test_expired_lock_can_be_taken_and_old_holder_cannot_release_it(state):
    old = state.try_lock("k", timeout_seconds=0.2)
    assert old and state.try_lock("k") is None
    time.sleep(0.3)
    new = state.try_lock("k", timeout_seconds=5)
    assert new and new != old
    assert state.unlock("k", old) is False  # the stale holder leaves the new lock alone
    assert state.try_lock("k") is None
    assert state.unlock("k", new) is True


def test_lock_wait_times_out(state):
    assert state.try_lock("busy", timeout_seconds=5)
    with pytest.raises(LockTimeout), state.lock("busy", timeout_seconds=5, blocking_timeout=0.2):
        pass


def test_incr_window_counts_every_hit_once(state):
    counts: list[int] = []

    def hit():
        for _ in range(10):
            counts.append(state.incr_window("rate:wb", 60))

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == list(range(1, 41))


def test_incr_window_starts_again_after_the_window(state):
    assert [state.incr_window("w", 0.3) for _ in range(3)] == [1, 2, 3]
    time.sleep(0.4)
    assert state.incr_window("w", 0.3) == 1
