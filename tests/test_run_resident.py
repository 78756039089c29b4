"""The resident `publisher run`: a real process running the scheduling loop (publisher.schedule.loop)
picks up an item committed while it runs, publishes it once, and stops cleanly on Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from publish_fixtures import SECRET_ENV, write_content

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from publisher.ledger import open_ledger


def published(tmp_path) -> list:
    ledger = open_ledger(f"sqlite:///{(tmp_path / 'state' / 'ledger.sqlite3').resolve()}")
    return [p for p in ledger.publications() if p.state.value == "published"]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_resident_run_syncs_dispatches_and_stops_on_interrupt(tmp_path):
    sandbox = start_sandbox(port=0, faults=FaultSettings())
    try:
        content = tmp_path / "content"
        write_content(content, 1, sandbox.url, channels=("weibo",))
        env = {**os.environ, **SECRET_ENV, "PUBLISHER_CONTENT_DIR": str(content),
               "PUBLISHER_STATE_DIR": str(tmp_path / "state"), "PUBLISHER_EXECUTOR": "local",
               "PUBLISHER_USE_GIT": "false", "PUBLISHER_TICK_SECONDS": "0.3", "PUBLISHER_POLL_SECONDS": "0.5",
               "PUBLISHER_NOTIFY_SECONDS": "0", "PUBLISHER_INSPECT_SECONDS": "0", "PUBLISHER_REACH_SECONDS": "0"}  # fmt: skip
        env.pop("PUBLISHER_DATABASE_URL", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "publisher", "run", "--sync-every", "0.5"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert wait_for(lambda: len(published(tmp_path)) == 1, 60), "the due item was not published"
            # A second item lands while the process runs: the next sync plans it, a tick sends it.
            later = write_content(content, 2, sandbox.url, channels=("weibo",),
                                  publish_at=datetime.now(UTC) - timedelta(minutes=1))  # fmt: skip
            assert len(later) == 2
            assert wait_for(lambda: len(published(tmp_path)) == 2, 60), "the new item was not synced and sent"
            time.sleep(1.5)  # several more ticks and syncs: nothing is sent twice
        finally:
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=90)
        assert proc.returncode == 0, output
        assert "常驻运行" in output and "已同步内容库" in output and "已派发 1 条发布" in output
        assert "Traceback" not in output
        assert len(published(tmp_path)) == 2
        assert len(sandbox.weibo.posts) == 2  # on the platform exactly once each
    finally:
        sandbox.stop()
