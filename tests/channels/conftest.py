"""Fixtures for the channel adapter tests: the real sandbox servers over HTTP, a real Redis, and a
publish context that records phases the way the ledger does (nested by phase)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from channel_fixtures import SandboxAdmin, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # publish_fixtures, for ledger-level tests

from channels.sandbox_server import SandboxHandle, start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxHandle]:
    handle = start_sandbox(wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.2))
    yield handle
    handle.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxHandle) -> SandboxHandle:
    for base in (sandbox_server.wechat_base_url, sandbox_server.weibo_base_url):
        requests.post(f"{base}/_admin/reset", timeout=5).raise_for_status()
    return sandbox_server


@pytest.fixture
def wechat_admin(sandbox: SandboxHandle) -> SandboxAdmin:
    return SandboxAdmin(sandbox.wechat_base_url)


@pytest.fixture
def weibo_admin(sandbox: SandboxHandle) -> SandboxAdmin:
    return SandboxAdmin(sandbox.weibo_base_url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throw-away redis-server on a free port: no persistence, never evicting keys."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server not found: install it (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    process.terminate()
    process.wait(timeout=10)
