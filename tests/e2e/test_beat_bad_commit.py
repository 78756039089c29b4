"""Celery beat and workers through a bad commit (issue 13, items 3 and 6), real processes: a
redis-server, a Celery worker, beat. A commit whose publisher.toml names a channel that is not
installed is refused on every sync task with `publisher.toml:line`; no task fails, no process
exits, `status` shows the refusal, and the fixed commit is taken on the next turn."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from content_repo import commit_all, init_repo, line_of  # noqa: E402
from publish_fixtures import write_content  # noqa: E402

from publisher.ledger import open_ledger  # noqa: E402


def _wait_for(condition, what: str, cluster, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{cluster.logs()}")
        time.sleep(0.3)


def test_beat_keeps_the_last_good_commit_and_says_why_on_every_sync(cluster, monkeypatch):
    cluster.extra_env.update({"PUBLISHER_SYNC_SECONDS": "1", "PUBLISHER_USE_GIT": "true",
                              "GIT_CONFIG_GLOBAL": "/dev/null"})  # fmt: skip
    root = cluster.tmp / "content"
    write_content(root, 1, cluster.sandbox_url, channels=("wechat",), publish_at=datetime.now(UTC) + timedelta(days=1))
    good = init_repo(root)
    cluster.start_worker(concurrency=1)
    cluster.start_beat()
    with open_ledger(cluster.database_url) as ledger:
        _wait_for(lambda: (h := ledger.sync_health()) is not None and h.last_good_commit == good, "the first sync", cluster)

        toml = root / "publisher.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + '\n[[accounts]]\nid = "short-video"\nname = "短视频号"\n'
                        'channel = "toutiao"\n', encoding="utf-8")  # fmt: skip
        line = line_of(toml, 'channel = "toutiao"')
        bad = commit_all(root, "新增一个短视频账号（渠道未安装）")
        _wait_for(lambda: cluster.logs().count(f"publisher.toml:{line}") >= 2, "the refusal on two sync tasks", cluster)
        health = ledger.sync_health()
        assert health.commit == bad and health.last_good_commit == good
        assert [p.code for p in health.refused] == ["config-unknown-channel"]
        assert [p.state.value for p in ledger.publications()] == ["scheduled"]  # the last good plan stands
        assert cluster.exited_by_themselves() == []  # no worker, no beat gone
        assert "Traceback" not in cluster.logs()

        status = cluster.cli(monkeypatch, "status")
        assert status.exit_code == 0 and f"publisher.toml:{line}" in status.output and "toutiao" in status.output

        toml.write_text(toml.read_text(encoding="utf-8").replace(
            'channel = "toutiao"\n', 'channel = "wechat"\n[accounts.options]\nappid = "wx-9"\n'), encoding="utf-8")
        fixed = commit_all(root, "改用已安装的渠道")
        _wait_for(lambda: ledger.sync_health().last_good_commit == fixed, "the fixed commit", cluster)
        assert ledger.sync_health().ok
