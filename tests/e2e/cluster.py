"""A cluster of real processes on one machine: a redis-server, Celery worker processes, beat.

Shared by the end-to-end tests (`tests/e2e/conftest.py`) and the full chaos run
(`python -m tests.chaos.run`). Workers are separate OS processes
(`python -m celery -A workers worker`), each in its own process group so a test can SIGKILL one
whole worker (parent and pool children) like a machine dying. They share one ledger (a SQLite
file in the run's folder, or any `database_url`), one state folder and one Redis.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from publish_fixtures import SECRET_ENV, WIDE_CATCH_UP, RedisServer  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ProcessExit:
    """A worker or beat process that exited although the run did not kill it."""

    name: str
    pid: int
    returncode: int
    log_tail: str

    def line(self) -> str:
        reason = next(
            (ln.strip() for ln in reversed(self.log_tail.splitlines()) if "CRITICAL" in ln or "Error" in ln),
            "",
        )
        return f"{self.name} (pid {self.pid}) exited with {self.returncode}: {reason[:200]}"


@dataclass
class Cluster:
    """The environment every process of one run shares, and the worker and beat processes."""

    tmp: Path
    redis: RedisServer
    sandbox_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)
    started: int = 0
    database: str | None = None  # default: a SQLite file in `tmp`
    secrets: dict[str, str] = field(default_factory=lambda: dict(SECRET_ENV))
    beat: subprocess.Popen | None = None
    beats_started: int = 0
    names: dict[int, str] = field(default_factory=dict)  # pid → "worker-3" / "beat-1" (log name)
    killed: set[int] = field(default_factory=set)  # pids this run killed on purpose

    @property
    def state_dir(self) -> Path:
        return self.tmp / "state"

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.tmp / 'ledger.sqlite3'}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
        env.update(self.secrets)
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
                **WIDE_CATCH_UP,
                "PYTHONPATH": str(REPO),
                **self.extra_env,
            }
        )
        return env

    def apply_env(self, monkeypatch) -> None:
        for key, value in self.env().items():
            if key.startswith("PUBLISHER_"):
                monkeypatch.setenv(key, value)

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.tmp / log_name, "wb")  # noqa: SIM115 - kept by Popen
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers", *args],
            cwd=self.tmp,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg takes the pool children too
        )
        self.names[process.pid] = log_name.removesuffix(".log")
        return process

    def start_worker(self, pool: str = "prefork", concurrency: int = 2) -> subprocess.Popen:
        self.started += 1
        name = f"w{self.started}@e2e"
        process = self._spawn(
            [
                "worker", "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "WARNING",
                "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            f"worker-{self.started}.log",
        )  # fmt: skip
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen) -> None:
        """SIGKILL a worker and its pool children at once (no warm shutdown, no acks)."""
        self.killed.add(process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.workers.remove(process)

    def start_beat(self) -> subprocess.Popen:
        """Celery beat: it sends the dispatcher tick and the status poll to the workers."""
        self.beats_started += 1
        schedule = self.tmp / "beat-schedule"
        self.beat = self._spawn(
            ["beat", "--loglevel", "WARNING", "-s", str(schedule)], f"beat-{self.beats_started}.log"
        )
        return self.beat

    def restart_beat(self) -> None:
        """Stop beat the hard way (SIGKILL) and start a new one with the same schedule file."""
        if self.beat is not None:
            self.killed.add(self.beat.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.beat.pid, signal.SIGKILL)
            self.beat.wait(timeout=10)
        self.start_beat()

    def exited_by_themselves(self) -> list[ProcessExit]:
        """Workers and beat that are gone although nobody killed them: a failure of the run.

        Each is reported once and dropped from `workers`; the caller decides whether to start a
        replacement (a supervisor would) and counts it either way."""
        gone = []
        for process in [*self.workers, *([self.beat] if self.beat is not None else [])]:
            code = process.poll()
            if code is None or process.pid in self.killed:
                continue
            name = self.names.get(process.pid, str(process.pid))
            log = self.tmp / f"{name}.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            gone.append(ProcessExit(name, process.pid, code, tail))
            if process is self.beat:
                self.beat = None
            else:
                self.workers.remove(process)
        return gone

    def stop_all(self) -> None:
        processes = list(self.workers) + ([self.beat] if self.beat is not None else [])
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.workers.clear()
        self.beat = None

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
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.tmp.glob("worker-*.log")) + sorted(self.tmp.glob("beat-*.log"))
        )


def start_unlimited_sandbox(publish_delay_seconds: float = 0.3):
    """Both channel sandboxes on a free loopback port, with the platforms' daily and hourly
    limits lifted (one account publishes hundreds of posts here); faults off until switched on."""
    from channels.sandbox_faults import FaultSettings
    from channels.sandbox_server import start_sandbox
    from channels.wechat.sandbox import WeChatSandboxConfig
    from channels.weibo.sandbox import WeiboSandboxConfig

    unlimited = 10**9
    return start_sandbox(
        port=0,
        wechat_config=WeChatSandboxConfig(
            publish_delay_seconds=publish_delay_seconds,
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
