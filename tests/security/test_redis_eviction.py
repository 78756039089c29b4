"""Redis must never evict the broker's messages, claim locks or token caches: a Redis whose
`maxmemory-policy` is not `noeviction` is reported when a worker starts and when the shared state
(`RedisState`, what `publisher run`/commands with the Celery executor open) is created."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from publish_fixtures import RedisServer

from publisher.runtime import redis_state as shared_state
from publisher.runtime.redis_health import eviction_warning, warn_if_evicting
from publisher.runtime.redis_state import RedisState

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def lru_redis(tmp_path):
    server = RedisServer(tmp_path / "lru", policy="allkeys-lru").start()
    yield server
    server.stop()


@pytest.fixture
def safe_redis(tmp_path):
    server = RedisServer(tmp_path / "safe").start()
    yield server
    server.stop()


def test_the_check_names_the_policy_and_the_fix(lru_redis, safe_redis):
    import redis

    message = eviction_warning(redis.Redis(port=lru_redis.port))
    assert message and "allkeys-lru" in message and "noeviction" in message
    assert eviction_warning(redis.Redis(port=safe_redis.port)) is None
    # Switched at run time (CONFIG SET), the next check sees it.
    client = redis.Redis(port=safe_redis.port)
    client.config_set("maxmemory-policy", "volatile-lru")
    assert "volatile-lru" in (warn_if_evicting(client) or "")


def test_shared_state_warns_once_per_server(lru_redis, safe_redis, caplog, monkeypatch):
    monkeypatch.setattr(shared_state, "_checked", set())
    with caplog.at_level(logging.WARNING, logger="publisher.runtime.redis_health"):
        RedisState(lru_redis.url)
        RedisState(lru_redis.url)
        RedisState(safe_redis.url)
    warnings = [r for r in caplog.records if "maxmemory-policy" in r.getMessage()]
    assert len(warnings) == 1 and "allkeys-lru" in warnings[0].getMessage()


def _worker_output(server: RedisServer, tmp_path: Path) -> str:
    """Start a real worker on this Redis, wait until it is ready, stop it; its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update({
        "PUBLISHER_BROKER_URL": server.url,
        "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
        "PYTHONPATH": str(REPO),
    })  # fmt: skip
    log = tmp_path / f"worker-{server.port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        time.sleep(0.5)  # the worker_ready handlers run right after the banner line
    finally:
        process.terminate()
        process.wait(timeout=30)
    return log.read_text(errors="replace")


def test_worker_start_warns_on_an_evicting_redis_only(lru_redis, safe_redis, tmp_path):
    assert "maxmemory-policy 为 allkeys-lru" in _worker_output(lru_redis, tmp_path)
    assert "maxmemory-policy" not in _worker_output(safe_redis, tmp_path)
