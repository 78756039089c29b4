"""`publisher run` as an operator meets it (issue 13, items 3 and 4), with real processes:

- a resident `publisher run` (its own process) keeps running when a commit breaks
  publisher.toml: it says so with `publisher.toml:line` on every sync, publishes what the last
  good commit planned, and takes the fixed commit when it lands;
- `publisher run --once` with an account whose secret is missing sums up what is held and why,
  and exits non-zero because nothing it was asked to publish went out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from content_repo import commit_all, init_repo, line_of
from publish_fixtures import SECRET_ENV, write_content
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from publisher.cli import app
from publisher.ledger import State, open_ledger

PUBLISHER = Path(sys.executable).with_name("publisher")


@pytest.fixture
def sandbox():
    handle = start_sandbox(port=0, faults=FaultSettings())
    try:
        yield handle
    finally:
        handle.stop()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"PUBLISHER_CONTENT_DIR": str(tmp_path / "content"), "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
            "PUBLISHER_EXECUTOR": "local", "PUBLISHER_POLL_SECONDS": "0.3", "PUBLISHER_TICK_SECONDS": "0.3",
            "GIT_CONFIG_GLOBAL": "/dev/null", "COLUMNS": "200"}  # fmt: skip


def _wait_for(condition, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_resident_run_keeps_publishing_on_the_last_good_commit(tmp_path, sandbox, monkeypatch):
    root = tmp_path / "content"
    (item_id,) = write_content(root, 1, sandbox.url, channels=("wechat",))  # due five minutes ago
    init_repo(root)
    env = {**os.environ, **SECRET_ENV, **_env(tmp_path), "PYTHONUNBUFFERED": "1"}
    for key, value in {**SECRET_ENV, **_env(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    assert CliRunner().invoke(app, ["freeze", "--reason", "先不发"]).exit_code == 0  # held until we say

    out, err = (tmp_path / "run.out").open("w+"), (tmp_path / "run.err").open("w+")
    run = subprocess.Popen([str(PUBLISHER), "run", "--sync-every", "1"], stdout=out, stderr=err, env=env, cwd=tmp_path)
    said = lambda: (tmp_path / "run.err").read_text(encoding="utf-8")  # noqa: E731
    shown = lambda: (tmp_path / "run.out").read_text(encoding="utf-8")  # noqa: E731
    try:
        _wait_for(lambda: "已同步内容库（提交" in shown(), "the first sync")
        toml = root / "publisher.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('title = "测试门户"', 'title = "测试门户'), encoding="utf-8")
        line = line_of(toml, 'title = "测试门户')
        bad = commit_all(root, "门户名称（引号没关）")
        _wait_for(lambda: said().count(f"publisher.toml:{line}") >= 2, "the refusal on two sync turns")
        assert f"提交 {bad[:10]} 的配置有误，未采用" in said() and "snapshots" not in said()
        assert run.poll() is None  # still running (it exited with 2 before)

        assert CliRunner().invoke(app, ["unfreeze"]).exit_code == 0
        with open_ledger(f"sqlite:///{tmp_path / 'state' / 'ledger.sqlite3'}") as ledger:
            _wait_for(lambda: [p.state for p in ledger.publications()] == [State.PUBLISHED], "publishing")
            health = ledger.sync_health()
            assert not health.ok and health.commit == bad  # published from the last good commit's version
        assert sandbox.wechat.posts_by_key and run.poll() is None

        toml.write_text(toml.read_text(encoding="utf-8").replace('title = "测试门户\n', 'title = "测试门户"\n'), encoding="utf-8")
        fixed = commit_all(root, "改正")
        _wait_for(lambda: f"已同步内容库（提交 {fixed[:10]}" in shown(), "the fixed commit")
    finally:
        run.send_signal(signal.SIGINT)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
        out.close()
        err.close()
    assert "Traceback" not in said(), said()
    assert item_id


def test_run_once_sums_up_held_rows_and_fails_when_nothing_went_out(tmp_path, sandbox, monkeypatch):
    write_content(tmp_path / "content", 2, sandbox.url, channels=("wechat",))
    for key, value in {**_env(tmp_path), "PUBLISHER_USE_GIT": "false"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PUBLISHER_SECRET_WX_MAIN", raising=False)  # the secret was never set

    result = CliRunner().invoke(app, ["run", "--once"])
    assert result.exit_code == 1, result.output
    assert "暂缓 2 条" in result.output and "PUBLISHER_SECRET_WX_MAIN" in result.output
    assert "publisher unfreeze --account wx-main" in result.output
    assert "本次应发布的 2 条稿件一条也没有发出" in result.output

    status = CliRunner().invoke(app, ["status"])
    assert status.output.count("暂缓") >= 2 and "PUBLISHER_SECRET_WX_MAIN" in status.output
    assert "2036" not in status.output and "2035" not in status.output  # not "paused for ten years"

    monkeypatch.setenv("PUBLISHER_SECRET_WX_MAIN", SECRET_ENV["PUBLISHER_SECRET_WX_MAIN"])  # the fix it names
    assert CliRunner().invoke(app, ["unfreeze", "--account", "wx-main"]).exit_code == 0
    again = CliRunner().invoke(app, ["run", "--once"])
    assert again.exit_code == 0, again.output
    assert "暂缓" not in again.output and len(sandbox.wechat.posts_by_key) == 2


def test_run_once_on_a_refused_commit_publishes_the_last_good_plan_and_exits_2(tmp_path, sandbox, monkeypatch):
    root = tmp_path / "content"
    write_content(root, 1, sandbox.url, channels=("wechat",))  # due now
    init_repo(root)
    for key, value in {**SECRET_ENV, **_env(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    assert CliRunner().invoke(app, ["freeze", "--reason", "先排期，不发"]).exit_code == 0
    assert CliRunner().invoke(app, ["run", "--once"]).exit_code == 0  # planned, held by the freeze
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('kind = "news"', 'kind = news'), encoding="utf-8")
    line = line_of(toml, "kind = news")
    commit_all(root, "栏目类型没加引号")
    assert CliRunner().invoke(app, ["unfreeze"]).exit_code == 0

    result = CliRunner().invoke(app, ["run", "--once"])
    assert result.exit_code == 2, result.output
    assert f"publisher.toml:{line}" in result.output and "未采用" in result.output
    assert "这次提交未被采用" in result.output
    assert len(sandbox.wechat.posts_by_key) == 1  # the last good commit's post went out all the same
