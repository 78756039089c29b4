"""End-to-end fixtures: a real redis-server, the channel sandboxes, Celery worker processes.

Workers are separate OS processes (`python -m celery -A workers worker`), each in its own
process group so a test can SIGKILL one whole worker (parent and pool children) like a machine
dying. They share the test's SQLite ledger file, state folder and Redis.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from publish_fixtures import SECRET_ENV, RedisServer  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox():
    from channels.sandbox_faults import FaultSettings
    from channels.sandbox_server import start_sandbox
    from channels.wechat.sandbox import WeChatSandboxConfig
    from channels.weibo.sandbox import WeiboSandboxConfig

    unlimited = 10**9
    handle = start_sandbox(
        port=0,
        wechat_config=WeChatSandboxConfig(
            publish_delay_seconds=0.3,
            quotas={
                "/cgi-bin/draft/add": unlimited,
                "/cgi-bin/freepublish/submit": unlimited,
                "/cgi-bin/freepublish/get": unlimited,
                "/cgi-bin/freepublish/delete": unlimited,
            },
        ),
        weibo_config=WeiboSandboxConfig(hourly_limit=unlimited, daily_post_limit=unlimited),
        faults=FaultSettings(),
    )
    try:
        yield handle
    finally:
        handle.stop()


@dataclass
class Cluster:
    """The environment every process of one test shares, and the worker processes."""

    tmp: Path
    redis: RedisServer
    sandbox_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)
    started: int = 0

    @property
    def state_dir(self) -> Path:
        return self.tmp / "state"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.tmp / 'ledger.sqlite3'}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
        env.update(SECRET_ENV)
        env.update(
            {
                "PUBLISHER_BROKER_URL": self.redis.url,
                "PUBLISHER_DATABASE_URL": self.database_url,
                "PUBLISHER_STATE_DIR": str(self.state_dir),
                "PUBLISHER_CONTENT_DIR": str(self.tmp / "content"),
                "PUBLISHER_EXECUTOR": "celery",
                # Quotas are tested elsewhere; here one account publishes hundreds of posts.
                "PUBLISHER_QUOTAS": json.dumps({"wechat": {"per_day": 0}}),
                "PUBLISHER_POLL_SECONDS": "0.5",
                "PUBLISHER_TASK_TIME_LIMIT": "20",
                "PUBLISHER_WINDOW_SECONDS": "5",
                "PYTHONPATH": str(REPO),
                **self.extra_env,
            }
        )
        return env

    def apply_env(self, monkeypatch) -> None:
        for key, value in self.env().items():
            if key.startswith("PUBLISHER_"):
                monkeypatch.setenv(key, value)

    def start_worker(self, pool: str = "prefork", concurrency: int = 2) -> subprocess.Popen:
        self.started += 1
        name = f"w{self.started}@e2e"
        log = open(self.tmp / f"worker-{self.started}.log", "wb")  # noqa: SIM115 - kept by Popen
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool", pool,
                "--concurrency", str(concurrency), "--loglevel", "WARNING", "-n", name,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=self.tmp,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg takes the pool children too
        )  # fmt: skip
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen) -> None:
        """SIGKILL a worker and its pool children at once (no warm shutdown, no acks)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.workers.remove(process)

    def stop_all(self) -> None:
        for process in list(self.workers):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 10
        for process in list(self.workers):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.workers.clear()

    def cli(self, monkeypatch, *args: str, input: str | None = None):
        """The `publisher` command in this process (environment of the cluster)."""
        from typer.testing import CliRunner

        from publisher.cli import app

        self.apply_env(monkeypatch)
        monkeypatch.chdir(self.tmp)
        return CliRunner().invoke(app, list(args), input=input)

    def cli_process(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", "from publisher.cli import main; main()", *args]
        return subprocess.run(
            command, cwd=self.tmp, env=self.env(), input=input, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.tmp.glob("worker-*.log"))
        )


@pytest.fixture
def cluster(tmp_path, redis_server, sandbox) -> Iterator[Cluster]:
    c = Cluster(tmp_path, redis_server, sandbox.url)
    try:
        yield c
    finally:
        c.stop_all()
