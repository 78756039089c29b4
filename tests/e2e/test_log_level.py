"""PUBLISHER_LOG_LEVEL works for every entry point, each in its own real process: a `publisher`
command, `publisher run --once`, a Celery worker and Celery beat (issue 13: it was declared and
read by nothing; `publisher run` hard-coded WARNING)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from publish_fixtures import SECRET_ENV, WIDE_CATCH_UP, write_content
from scenario import Dispatcher

pytestmark = [pytest.mark.timeout(180)]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    env.update(SECRET_ENV)
    env.update(
        {
            "PUBLISHER_CONTENT_DIR": str(tmp / "content"),
            "PUBLISHER_STATE_DIR": str(tmp / "state"),
            "PUBLISHER_EXECUTOR": "local",
            "PUBLISHER_POLL_SECONDS": "0.2",
            "PUBLISHER_USE_GIT": "false",
            **WIDE_CATCH_UP,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            **extra,
        }
    )
    return env


def _publisher(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from publisher.cli import main; main()", *args],
        cwd=tmp, env=_env(tmp, **env), capture_output=True, text=True, timeout=150,
    )  # fmt: skip


def test_a_command_logs_at_the_level_asked_for(tmp_path):
    write_content(tmp_path / "content", 1, "http://127.0.0.1:9")
    debug = _publisher(tmp_path, "status", PUBLISHER_LOG_LEVEL="debug")
    assert debug.returncode == 0, debug.stderr
    assert "DEBUG publisher.cli: publisher 命令开始，日志级别 DEBUG" in debug.stderr
    quiet = _publisher(tmp_path, "status")
    assert quiet.returncode == 0 and "DEBUG" not in quiet.stderr, quiet.stderr
    wrong = _publisher(tmp_path, "status", PUBLISHER_LOG_LEVEL="loud")
    assert wrong.returncode == 2
    assert "PUBLISHER_LOG_LEVEL 的值“loud”无效" in wrong.stderr and "DEBUG、INFO、WARNING" in wrong.stderr


def test_publisher_run_logs_at_the_level_asked_for(tmp_path, sandbox):
    at = datetime.now(UTC) - timedelta(minutes=1)
    write_content(tmp_path / "content", 2, sandbox.url, channels=("weibo",), publish_at=at)
    info = _publisher(tmp_path, "run", "--once", PUBLISHER_LOG_LEVEL="INFO")
    assert info.returncode == 0, info.stdout + info.stderr
    assert "INFO publisher.schedule.dispatcher: 已派发 2 条到期发布" in info.stderr, info.stderr

    write_content(tmp_path / "content2", 2, sandbox.url, channels=("weibo",), publish_at=at)
    (tmp_path / "content").rename(tmp_path / "content-done")
    (tmp_path / "content2").rename(tmp_path / "content")
    default = _publisher(tmp_path, "run", "--once")  # unset: WARNING, as before
    assert default.returncode == 0, default.stdout + default.stderr
    assert "INFO" not in default.stderr, default.stderr


def test_workers_and_beat_log_at_the_level_asked_for(cluster, monkeypatch):
    # Both are started with `--loglevel WARNING`; PUBLISHER_LOG_LEVEL=INFO wins.
    cluster.extra_env.update({"PUBLISHER_LOG_LEVEL": "INFO", "PUBLISHER_TICK_SECONDS": "1"})
    at = datetime.now(UTC) - timedelta(minutes=1)
    write_content(cluster.tmp / "content", 2, cluster.sandbox_url, channels=("weibo",), publish_at=at)
    cluster.start_worker(pool="prefork", concurrency=1)
    cluster.start_beat()
    dispatcher = Dispatcher.open(cluster, monkeypatch)
    dispatcher.sync()
    dispatcher.run_until_settled(timeout=60)
    deadline = time.monotonic() + 20
    worker_log = beat_log = ""
    while time.monotonic() < deadline:
        worker_log = (cluster.tmp / "worker-1.log").read_text(errors="replace")
        beat_log = (cluster.tmp / "beat-1.log").read_text(errors="replace")
        if "INFO/ForkPoolWorker" in worker_log and "Sending due task" in beat_log:
            break
        time.sleep(0.5)
    assert "发布记录 1：published" in worker_log and "INFO/" in worker_log, worker_log[-2000:]
    assert "INFO/MainProcess] Scheduler: Sending due task" in beat_log, beat_log[-2000:]
