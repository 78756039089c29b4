"""A small process supervisor: `publisher worker` runs the Celery worker (and beat) under it.

Each child runs in its own process group. A child that exits while nobody asked it to stop is
started again after a pause that doubles on every quick failure (1 s, 2 s, 4 s … at most 60 s)
and starts over once the child has run for a minute. SIGTERM or SIGINT to the supervisor is
passed on as SIGTERM (Celery's warm shutdown: running tasks finish); children still running
after `stop_timeout` seconds are killed. Every start and every unexpected exit is logged in
Chinese and counted; the counts are written to `<state>/supervisor.json` for operators.

Compose (`restart: unless-stopped`) and systemd (`Restart=always`, docs/deploy/) supervise the
same way from outside; this one is for a plain machine with nothing else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

FIRST_PAUSE, MAX_PAUSE, STABLE_AFTER = 1.0, 60.0, 60.0


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    pause: float = FIRST_PAUSE
    restart_at: float | None = None
    last_exit: str = ""


@dataclass
class Supervisor:
    children: list[Child]
    env: dict[str, str] | None = None
    status_file: Path | None = None
    stop_timeout: float = 60.0
    say: Callable[[str], None] = field(default=lambda line: log.warning("%s", line))
    _stopping: bool = False

    def run(self) -> int:
        """Start every child and keep them running until SIGTERM/SIGINT; the exit status."""
        previous = {s: signal.signal(s, self._request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for child in self.children:
                self._start(child)
            while not self._stopping:
                self._tend()
                time.sleep(0.2)
            return self._stop_all()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _request_stop(self, signum, _frame) -> None:
        self._stopping = True

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=self.env, start_new_session=True)
        child.started_at, child.restart_at = time.monotonic(), None
        self.say(f"已启动 {child.name}（进程 {child.process.pid}）")
        self._write_status()

    def _tend(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self._start(child)
                continue
            code = child.process.poll() if child.process else None
            if code is None:
                continue
            ran = now - child.started_at
            if ran >= STABLE_AFTER or not child.restarts:
                child.pause = FIRST_PAUSE
            else:  # failing again soon after a restart: wait longer each time
                child.pause = min(MAX_PAUSE, child.pause * 2)
            child.last_exit = _describe_exit(code)
            child.restart_at = now + child.pause
            self._kill_group(child, signal.SIGKILL)  # pool children left behind by a dead parent
            self.say(f"{child.name} 意外退出（{child.last_exit}，运行了 {ran:.0f} 秒），"
                     f"{child.pause:g} 秒后重启（第 {child.restarts + 1} 次重启）")  # fmt: skip
            self._write_status()

    def _stop_all(self) -> int:
        self.say("收到停止信号：正在停止（进行中的任务会先完成）")
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            self._kill_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} 在 {self.stop_timeout:g} 秒内没有停止，强制结束")
                self._kill_group(child, signal.SIGKILL)
                child.process.wait(timeout=10)
        self._write_status(stopped=True)
        self.say("已停止")
        return 0

    @staticmethod
    def _kill_group(child: Child, sig: int) -> None:
        if child.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, sig)

    def _write_status(self, stopped: bool = False) -> None:
        if self.status_file is None:
            return
        data = {
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "supervisor_pid": os.getpid(),
            "stopped": stopped,
            "children": {
                c.name: {"pid": c.process.pid if c.process else None, "restarts": c.restarts,
                         "last_exit": c.last_exit} for c in self.children
            },
        }  # fmt: skip
        with contextlib.suppress(OSError):
            self.status_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.status_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.replace(self.status_file)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"信号 {signal.Signals(-code).name}"
        except ValueError:
            return f"信号 {-code}"
    return f"退出码 {code}"
