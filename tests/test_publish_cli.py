"""The operating commands end to end in one process: `publisher run --once` with the local
executor against the sandboxes, then status, log, freeze, republish, retract, publish --now."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from publish_fixtures import SECRET_ENV, write_content
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.cli import app
from publisher.ledger import open_ledger, os_user

runner = CliRunner()


@pytest.fixture
def sandbox():
    handle = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.3), faults=FaultSettings())
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def workspace(tmp_path, monkeypatch, sandbox):
    monkeypatch.chdir(tmp_path)
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    env = {
        "PUBLISHER_CONTENT_DIR": str(tmp_path / "content"),
        "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
        "PUBLISHER_EXECUTOR": "local",
        "PUBLISHER_POLL_SECONDS": "0.2",
        "PUBLISHER_USE_GIT": "false",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def cli(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    return result


def ledger(tmp_path):
    return open_ledger(f"sqlite:///{(tmp_path / 'state' / 'ledger.sqlite3').resolve()}")


def test_rejected_publication_shows_its_reason_and_fix_in_status(workspace, sandbox):
    write_content(workspace / "content", 2, sandbox.url, channels=("wechat", "weibo"))
    sandbox.wechat.faults.update({"review_reject": {"rate": 1.0}})
    result = cli("run", "--once")
    assert result.exit_code == 0, result.output
    data = json.loads(cli("status", "--format", "json").output)
    rows = {(r["item_id"], r["account_id"]): r for r in data["publications"]}
    assert {r["state"] for k, r in rows.items() if k[1] == "wb-main"} == {"published"}
    rejected = [r for k, r in rows.items() if k[1] == "wx-main"]
    assert {r["state"] for r in rejected} == {"failed"}
    assert all("审核" in r["reason"] and "publisher retry" in r["fix"] for r in rejected)
    text = cli("status", "--state", "failed").output
    assert "失败" in text and "审核" in text and "publisher retry" in text


def test_freeze_stops_run_and_is_audited_under_the_os_user(workspace, sandbox):
    ids = write_content(workspace / "content", 2, sandbox.url, channels=("wechat",))
    assert cli("freeze", "--reason", "全国哀悼日").exit_code == 0
    assert cli("run", "--once").exit_code == 0
    assert sandbox.wechat.posts_by_key == {}
    status = json.loads(cli("status", "--format", "json").output)
    assert status["frozen"] and "全国哀悼日" in status["notes"][0]
    assert cli("unfreeze").exit_code == 0
    assert cli("run", "--once").exit_code == 0
    assert sorted(sandbox.wechat.posts_by_key.values()) == [1, 1]
    with ledger(workspace) as led:
        freezes = [e for e in led.history() if e.event in ("freeze", "unfreeze")]
        assert [e.actor for e in freezes] == [os_user(), os_user()]
        assert any(e.event == "published" for e in led.history(ids[0]))
    log = cli("log", ids[0])
    assert log.exit_code == 0 and "已发布" in log.output


def test_republish_asks_first_then_posts_exactly_once_more(workspace, sandbox):
    ids = write_content(workspace / "content", 1, sandbox.url, channels=("wechat",))
    assert cli("run", "--once").exit_code == 0
    declined = cli("republish", ids[0], input="n\n")
    assert declined.exit_code == 1
    with ledger(workspace) as led:
        assert len(led.publications(item_id=ids[0])) == 1
    result = cli("republish", ids[0], "--yes")
    assert result.exit_code == 0, result.output
    with ledger(workspace) as led:
        rows = led.publications(item_id=ids[0])
        assert [(r.manual, r.state.value) for r in rows] == [(False, "published"), (True, "published")]
        [event] = [e for e in led.history(ids[0]) if e.event == "republish"]
        assert event.actor == os_user()
    assert sorted(sandbox.wechat.posts_by_key.values()) == [1, 1]
    assert list(sandbox.wechat.posts_by_content.values()) == [2]


def test_retract_takes_the_posts_down_on_every_channel(workspace, sandbox):
    ids = write_content(workspace / "content", 1, sandbox.url, channels=("wechat", "weibo"))
    assert cli("run", "--once").exit_code == 0
    result = cli("retract", ids[0], "--yes")
    assert result.exit_code == 0, result.output
    assert "已撤稿" in result.output
    with ledger(workspace) as led:
        assert {r.state.value for r in led.publications(item_id=ids[0])} == {"retracted"}
        [retract] = [e for e in led.history(ids[0]) if e.event == "retract"][:1]
        assert retract.actor == os_user()
    assert sandbox.wechat.calls["/cgi-bin/freepublish/delete"] == 1


def test_publish_now_brings_a_future_item_forward(workspace, sandbox):
    later = datetime.now(UTC) + timedelta(days=3)
    ids = write_content(workspace / "content", 2, sandbox.url, channels=("wechat",), publish_at=later)
    assert cli("run", "--once").exit_code == 0
    assert sandbox.wechat.posts_by_key == {}
    not_yet = cli("publish", ids[0])
    assert not_yet.exit_code != 0 and "--now" in not_yet.output
    result = cli("publish", ids[0], "--now")
    assert result.exit_code == 0, result.output
    assert "已发布" in result.output
    with ledger(workspace) as led:
        states = {r.item_id: r.state.value for r in led.publications()}
    assert states == {ids[0]: "published", ids[1]: "scheduled"}
    assert list(sandbox.wechat.posts_by_key.values()) == [1]
