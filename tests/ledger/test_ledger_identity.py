"""Ledger identity (issue 13): a new, foreign or restored ledger never posts history.

Real files, real ledgers (SQLite and PostgreSQL), real sandbox servers, the `publisher` commands
through the CLI runner; the sandboxes' own counters say what reached the platforms.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from publish_fixtures import SECRET_ENV, item_text, write_content
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.cli import app
from publisher.ledger import open_ledger
from publisher.ledger.identity import HELD_REASON, RESTORED_REASON

runner = CliRunner()


@pytest.fixture
def sandbox():
    handle = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.2), faults=FaultSettings())
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def office(tmp_path, monkeypatch):
    """Environment of one deployment; `use(state, url)` switches its state folder and ledger."""
    monkeypatch.chdir(tmp_path)
    for key, value in {**SECRET_ENV, "PUBLISHER_CONTENT_DIR": str(tmp_path / "content"), "PUBLISHER_EXECUTOR": "local",
                       "PUBLISHER_POLL_SECONDS": "0.2", "PUBLISHER_USE_GIT": "false",
                       "PUBLISHER_CATCH_UP_MINUTES": "0"}.items():
        monkeypatch.setenv(key, value)

    def use(state: str, url: str | None = None, catch_up_minutes: float = 0) -> str:
        monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / state))
        url = url or f"sqlite:///{tmp_path / state / 'ledger.sqlite3'}"
        monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
        monkeypatch.setenv("PUBLISHER_CATCH_UP_MINUTES", str(catch_up_minutes))
        return url

    return use


def cli(*args: str):
    return runner.invoke(app, list(args))


def posts(sandbox) -> int:
    return sum(sandbox.wechat.posts_by_key.values()) + sum(sandbox.weibo.posts_by_key.values())


def rows(url: str) -> list:
    with open_ledger(url) as ledger:
        return ledger.publications()


def status(url: str) -> list[dict]:
    return json.loads(cli("status", "--format", "json").output)["publications"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def second_ledger_url(request, tmp_path):
    if request.param == "postgres":
        return request.getfixturevalue("pg_database_factory")()
    return f"sqlite:///{tmp_path / 'other-state' / 'ledger.sqlite3'}"


def test_empty_ledger_posts_nothing_until_adopt_then_records_the_platforms_posts(
    tmp_path, office, sandbox, second_ledger_url
):
    write_content(tmp_path / "content", 3, sandbox.url, channels=("wechat", "weibo"))
    first = office("state", catch_up_minutes=60)  # the office's ledger: sent them on time
    assert cli("run", "--once").exit_code == 0
    published = {(r.item_id, r.account_id): r.remote_id for r in rows(first)}
    assert posts(sandbox) == 6 and all(published.values())

    # A typo, a new state folder: an empty ledger meets the same repo and the same accounts.
    office("other-state", second_ledger_url)
    result = cli("run", "--once")
    assert result.exit_code == 1, "a run that sent nothing it was asked to must not look like success"
    assert posts(sandbox) == 6, "an empty ledger re-posted history"
    assert "暂缓 6 条" in result.output and "publisher adopt" in result.output
    shown = status(second_ledger_url)
    assert {r["state"] for r in shown} == {"blocked"}
    assert all(r["reason"].startswith(HELD_REASON) and "publisher adopt" in r["fix"] for r in shown)

    preview = cli("adopt", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "将记为已发布 6 条" in preview.output
    assert {r.state.value for r in rows(second_ledger_url)} == {"blocked"}, "--dry-run wrote to the ledger"

    adopted = cli("adopt")
    assert adopted.exit_code == 0, adopted.output
    assert "已记为已发布 6 条" in adopted.output
    after = rows(second_ledger_url)
    assert {r.state.value for r in after} == {"published"}
    assert {(r.item_id, r.account_id): r.remote_id for r in after} == published  # the platform's own ids
    with open_ledger(second_ledger_url) as ledger:
        assert sum(1 for e in ledger.history() if e.event == "adopt") == 6
        assert ledger.identity().holds() == {}
    assert cli("run", "--once").exit_code == 0
    assert posts(sandbox) == 6, "a run after adopt posted again"


def test_catch_up_sends_what_the_platforms_do_not_have(tmp_path, office, sandbox):
    write_content(tmp_path / "content", 2, sandbox.url, channels=("wechat", "weibo"))
    url = office("state")
    cli("run", "--once")
    assert posts(sandbox) == 0
    first = cli("adopt")
    assert "继续暂缓 4 条" in first.output and "--catch-up" in first.output
    assert {r.state.value for r in rows(url)} == {"blocked"}
    assert cli("run", "--once").exit_code == 1 and posts(sandbox) == 0  # still held: nothing went out

    caught = cli("adopt", "--catch-up")
    assert caught.exit_code == 0 and "确认补发 4 条" in caught.output
    assert cli("run", "--once").exit_code == 0
    assert posts(sandbox) == 4
    assert set(sandbox.wechat.posts_by_key.values()) | set(sandbox.weibo.posts_by_key.values()) == {1}
    assert {r.state.value for r in rows(url)} == {"published"}
    cli("run", "--once")
    assert posts(sandbox) == 4


def test_catch_up_window_sends_only_what_fell_due_inside_it(tmp_path, office, sandbox):
    content = tmp_path / "content"
    now = datetime.now(UTC)
    ids = write_content(content, 2, sandbox.url, channels=("weibo",), publish_at=now - timedelta(minutes=10))
    (content / "items" / ids[1] / "index.md").write_text(item_text(1, now - timedelta(minutes=90)), encoding="utf-8")
    url = office("state", catch_up_minutes=30)
    cli("run", "--once")
    states = {r.item_id: r for r in rows(url)}
    assert states[ids[0]].state.value == "published"
    assert states[ids[1]].state.value == "blocked" and states[ids[1]].blocked_reason.startswith(HELD_REASON)
    assert posts(sandbox) == 1


def _git(repo: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "t@example.gov.cn", "GIT_COMMITTER_NAME": "测试",
           "GIT_COMMITTER_EMAIL": "t@example.gov.cn", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_a_ledger_of_another_content_repo_refuses_to_run(tmp_path, office, sandbox, monkeypatch):
    for name in ("repo-a", "repo-b"):
        write_content(tmp_path / name, 2, sandbox.url, channels=("weibo",))
        _git(tmp_path / name, "init", "-q", "-b", "main")
        _git(tmp_path / name, "add", "-A")
        _git(tmp_path / name, "commit", "-q", "-m", f"{name} 初始内容")
    monkeypatch.setenv("PUBLISHER_USE_GIT", "true")
    url = office("state", catch_up_minutes=60)
    assert cli("run", "--once", "--content", str(tmp_path / "repo-a")).exit_code == 0
    assert posts(sandbox) == 2
    refused = cli("run", "--once", "--content", str(tmp_path / "repo-b"))
    assert refused.exit_code == 2
    assert "发布账本属于另一个内容库" in refused.output and "PUBLISHER_DATABASE_URL" in refused.output
    assert posts(sandbox) == 2
    assert len(rows(url)) == 2  # nothing of repo-b was planned
    assert cli("adopt", "--content", str(tmp_path / "repo-b")).exit_code == 2
    # The resident loop does not start either (a subprocess: a loop that started would not end).
    resident = subprocess.run([sys.executable, "-m", "publisher", "run", "--content", str(tmp_path / "repo-b")],
                              capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert resident.returncode == 2 and "发布账本属于另一个内容库" in resident.stderr
    assert posts(sandbox) == 2


def _copy_database(source: str | Path, target: str | Path) -> None:
    """SQLite's online backup: a consistent copy, written through SQLite (WAL included)."""
    source_db, target_db = sqlite3.connect(source), sqlite3.connect(target)
    with target_db:
        source_db.backup(target_db)
    source_db.close()
    target_db.close()


def test_a_restored_backup_does_not_repost_what_went_out_after_it(tmp_path, office, sandbox):
    content = tmp_path / "content"
    write_content(content, 2, sandbox.url, channels=("wechat", "weibo"))
    url = office("state", catch_up_minutes=60)
    assert cli("run", "--once").exit_code == 0
    assert posts(sandbox) == 4
    ledger_file = Path(url.removeprefix("sqlite:///"))
    _copy_database(ledger_file, tmp_path / "backup.sqlite3")

    # Later that day: two more items go out; then the disk is lost and last night's backup restored.
    now = datetime.now(UTC) - timedelta(minutes=1)
    for n in (7, 8):
        folder = content / "items" / f"2026/11/later-{n}"
        folder.mkdir(parents=True)
        (folder / "index.md").write_text(item_text(n, now), encoding="utf-8")
        shutil.copy(content / "items" / "2026/11/item-0000" / "cover.jpg", folder / "cover.jpg")
    assert cli("run", "--once").exit_code == 0
    assert posts(sandbox) == 8
    _copy_database(tmp_path / "backup.sqlite3", ledger_file)  # the restore

    result = cli("run", "--once")
    assert result.exit_code == 1, result.output
    assert posts(sandbox) == 8, "the restored ledger re-posted what went out after the backup"
    held = [r for r in rows(url) if r.state.value == "blocked"]
    assert {r.item_id for r in held} == {"2026/11/later-7", "2026/11/later-8"}
    assert all(r.blocked_reason.startswith(RESTORED_REASON) for r in held)
    assert "publisher adopt" in result.output

    adopted = cli("adopt")
    assert adopted.exit_code == 0 and "已记为已发布 4 条" in adopted.output, adopted.output
    assert {r.state.value for r in rows(url)} == {"published"}
    assert cli("run", "--once").exit_code == 0
    assert posts(sandbox) == 8
