"""End-to-end fixtures: a real redis-server, the channel sandboxes, Celery worker processes
(the processes themselves: `cluster.Cluster`, shared with the full chaos run in tests/chaos/)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import Cluster, start_unlimited_sandbox  # noqa: E402
from publish_fixtures import RedisServer  # noqa: E402


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox():
    handle = start_unlimited_sandbox()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def cluster(tmp_path, redis_server, sandbox) -> Iterator[Cluster]:
    c = Cluster(tmp_path, redis_server, sandbox.url)
    try:
        yield c
    finally:
        c.stop_all()
