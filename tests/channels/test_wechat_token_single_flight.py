"""Sixteen concurrent publishers on one account make exactly one token fetch: threads sharing
one state, and separate processes sharing a real Redis (DESIGN.md decision 5)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from contextlib import contextmanager

from channel_fixtures import LedgerLikeContext, new_appid, wechat_rendition
from pydantic import SecretStr

from channels.wechat.config import WeChatConfig
from channels.wechat.publishing import WeChatPublisher
from publisher.runtime.redis_state import MemoryState, RedisState

PUBLISHERS = 16


def slow_token_endpoint(wechat_admin) -> None:
    # A slow token endpoint widens the race: without the lock every publisher would fetch.
    wechat_admin.faults(latency_ms=300, latency_paths=["/cgi-bin/stable_token"])


def run_threads(sandbox, state_for_thread) -> tuple[str, list[str], list[BaseException]]:
    appid = new_appid()
    barrier = threading.Barrier(PUBLISHERS)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def publish(index: int) -> None:
        try:
            config = WeChatConfig(appid=appid, base_url=sandbox.wechat_base_url)
            publisher = WeChatPublisher("wx-main", config, state_for_thread(), secret=SecretStr("sandbox-secret"))
            barrier.wait()
            publisher.publish(wechat_rendition(title=f"线程 {index} 的文章"), LedgerLikeContext())
            tokens.append(publisher.client.access_token())
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(PUBLISHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return appid, tokens, errors


def test_sixteen_threads_make_one_token_fetch(sandbox, wechat_admin):
    slow_token_endpoint(wechat_admin)
    shared = MemoryState()
    appid, tokens, errors = run_threads(sandbox, lambda: shared)
    assert errors == []
    assert len(tokens) == PUBLISHERS and len(set(tokens)) == 1
    counters = wechat_admin.counters()
    assert counters["token_fetches"][appid] == {"stable": 1, "issued": 1}
    assert len(counters["posts_by_content"]) == PUBLISHERS


def test_sixteen_threads_with_their_own_redis_clients_make_one_token_fetch(sandbox, wechat_admin, redis_url):
    slow_token_endpoint(wechat_admin)
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    appid, tokens, errors = run_threads(sandbox, lambda: RedisState(redis_url, prefix=prefix))
    assert errors == []
    assert len(set(tokens)) == 1 and len(tokens) == PUBLISHERS
    assert wechat_admin.counters()["token_fetches"][appid] == {"stable": 1, "issued": 1}


def _publish_in_child(base_url, appid, redis_url, prefix, index, go, results) -> None:
    """Runs in a forked process: its own Redis connection, HTTP session and memory."""
    try:
        state = RedisState(redis_url, prefix=prefix)
        config = WeChatConfig(appid=appid, base_url=base_url)
        publisher = WeChatPublisher("wx-main", config, state, secret=SecretStr("sandbox-secret"))
        go.wait(30)
        receipt = publisher.publish(wechat_rendition(title=f"进程 {index} 的文章"), LedgerLikeContext())
        results.put({"pid": os.getpid(), "token": publisher.client.access_token(),
                     "publish_id": receipt.phases["submit"]["publish_id"]})
    except BaseException as exc:
        results.put({"error": repr(exc)})


def test_sixteen_processes_sharing_redis_make_one_token_fetch(sandbox, wechat_admin, redis_url):
    slow_token_endpoint(wechat_admin)
    appid = new_appid()
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    # fork: the children start without re-importing everything (fast on 2 cores), yet share
    # nothing with us or each other but the Redis server and the sandbox.
    mp = multiprocessing.get_context("fork")
    go, results = mp.Event(), mp.Queue()
    processes = [
        mp.Process(target=_publish_in_child,
                   args=(sandbox.wechat_base_url, appid, redis_url, prefix, i, go, results))
        for i in range(PUBLISHERS)
    ]
    for process in processes:
        process.start()
    go.set()
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(30)
    assert [o for o in outcomes if "error" in o] == []
    assert len({o["pid"] for o in outcomes} | {os.getpid()}) == PUBLISHERS + 1
    assert len({o["token"] for o in outcomes}) == 1
    assert len({o["publish_id"] for o in outcomes}) == PUBLISHERS
    assert wechat_admin.counters()["token_fetches"][appid] == {"stable": 1, "issued": 1}


class _NoLockState(MemoryState):
    @contextmanager
    def lock(self, key: str, timeout_seconds: float = 30.0):
        yield


def test_without_the_lock_the_same_race_fetches_many_times(sandbox, wechat_admin):
    """Control: the single-flight result above comes from the lock, not from luck."""
    slow_token_endpoint(wechat_admin)
    shared = _NoLockState()
    appid, tokens, errors = run_threads(sandbox, lambda: shared)
    assert errors == []
    assert wechat_admin.counters()["token_fetches"][appid]["stable"] > 1
