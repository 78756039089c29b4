"""`publisher worker`: a worker that dies comes back by itself, and keeps publishing; SIGTERM
stops everything. The deployment files supervise too: compose restarts worker and beat, the
documented systemd units restart them always."""

from __future__ import annotations

import configparser
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from publish_fixtures import write_content
from scenario import Dispatcher, posts_by_key

pytestmark = [pytest.mark.redis, pytest.mark.timeout(240)]
REPO = Path(__file__).resolve().parents[2]


class Lines:
    """The supervisor's stderr, read in a thread."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 60.0, after: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                found = re.search(pattern, line)
                if found:
                    return found
            time.sleep(0.2)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines[-40:]))


def test_publisher_worker_restarts_a_dead_worker_and_stops_cleanly(cluster, monkeypatch):
    at = datetime.now(UTC) - timedelta(minutes=1)
    write_content(cluster.tmp / "content", 4, cluster.sandbox_url, channels=("weibo",), publish_at=at)
    supervisor = subprocess.Popen(
        [sys.executable, "-c", "from publisher.cli import main; main()", "worker", "-c", "1", "--beat",
         "--stop-timeout", "20", "--", "--without-gossip", "--without-mingle"],
        cwd=cluster.tmp, env=cluster.env(), stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    lines = Lines(supervisor.stderr)
    try:
        first = int(lines.wait_for(r"已启动 worker（进程 (\d+)）")[1])
        lines.wait_for(r"已启动 beat（进程 \d+）")
        time.sleep(3)  # let it connect
        os.killpg(first, signal.SIGKILL)  # the worker dies (parent and pool), not the supervisor
        lines.wait_for(r"worker 意外退出（信号 SIGKILL，运行了 \d+ 秒），1 秒后重启（第 1 次重启）")
        second = int(lines.wait_for(r"已启动 worker（进程 (\d+)）", after=2)[1])
        assert second != first
        status = json.loads((cluster.state_dir / "supervisor.json").read_text(encoding="utf-8"))
        assert status["children"]["worker"]["restarts"] == 1
        assert status["children"]["worker"]["last_exit"] == "信号 SIGKILL"

        # The restarted worker publishes (ticks from this process; beat's ticks help too).
        dispatcher = Dispatcher.open(cluster, monkeypatch)
        dispatcher.sync()
        dispatcher.run_until_settled(timeout=90)
        assert {r.state.value for r in dispatcher.runtime.ledger.publications()} == {"published"}
        assert set(posts_by_key(cluster.sandbox_url).values()) == {1}

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
        lines.wait_for("已停止")
        for pid in (second,):
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        assert json.loads((cluster.state_dir / "supervisor.json").read_text(encoding="utf-8"))["stopped"] is True
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait(timeout=10)


def test_compose_restarts_workers_and_beat():
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    for name in ("worker", "beat", "redis", "postgres"):
        assert compose["services"][name].get("restart") in ("always", "unless-stopped"), name


@pytest.mark.parametrize("unit", ["publisher-worker.service", "publisher-beat.service"])
def test_the_documented_systemd_units_restart_always(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(REPO / "docs" / "deploy" / unit, encoding="utf-8")
    service = parser["Service"]
    assert service["Restart"] == "always" and float(service["RestartSec"]) > 0
    assert "celery -A workers" in service["ExecStart"]
    assert service["KillMode"] == "mixed"  # SIGTERM to celery's parent: warm shutdown
    assert "network-online.target" in parser["Unit"]["After"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"
