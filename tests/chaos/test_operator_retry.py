"""The operator's way out of `unconfirmed`, as `publisher status` tells it: check the platform,
then `publisher retry <item> --account <id> --not-posted`. The retried row must really be
published (once), not stopped again by the mark of the lost attempt."""

from __future__ import annotations

import json

import pytest
from publish_fixtures import SECRET_ENV, write_content
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.cli import app

pytestmark = pytest.mark.timeout(120)


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    handle = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.1), faults=FaultSettings())
    monkeypatch.chdir(tmp_path)
    for key, value in {
        **SECRET_ENV,
        "PUBLISHER_CONTENT_DIR": str(tmp_path / "content"),
        "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
        "PUBLISHER_EXECUTOR": "local",
        "PUBLISHER_POLL_SECONDS": "0.2",
        "PUBLISHER_USE_GIT": "false",
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield tmp_path, handle
    finally:
        handle.stop()


@pytest.mark.parametrize("channel", ["wechat", "weibo"])
def test_retry_not_posted_publishes_an_unconfirmed_row_exactly_once(workspace, channel):
    tmp, sandbox = workspace
    ids = write_content(tmp / "content", 1, sandbox.url, channels=(channel,))
    app_ = sandbox.wechat if channel == "wechat" else sandbox.weibo
    path = "/cgi-bin/freepublish/submit" if channel == "wechat" else "/2/statuses/share.json"
    # A gateway error after a changing call: the adapter cannot know whether the post landed.
    app_.faults.update({"error": {"paths": [path], "status": 502, "times": 1}})
    assert cli("run", "--once").exit_code == 0
    rows = json.loads(cli("status", "--format", "json").output)["publications"]
    assert [r["state"] for r in rows] == ["unconfirmed"], rows
    assert "--not-posted" in rows[0]["fix"]
    assert app_.posts_by_key == {}  # the operator checks the platform: nothing there

    account = rows[0]["account_id"]
    result = cli("retry", ids[0], "--account", account, "--not-posted")
    assert result.exit_code == 0, result.output
    assert cli("run", "--once").exit_code == 0
    rows = json.loads(cli("status", "--format", "json").output)["publications"]
    assert [r["state"] for r in rows] == ["published"], rows
    assert dict(app_.posts_by_key) == {f"pub-{rows[0]['id']}": 1}


@pytest.mark.parametrize("channel", ["wechat", "weibo"])
def test_unfreeze_after_a_pause_publishes_the_held_rows_now(workspace, channel):
    """A quota used up (WeChat 45009) or a token expired (Weibo 21327) pauses the account and
    holds its rows back until the pause's end; `publisher unfreeze --account` after fixing the
    cause must let them go now, not at midnight (or in ten years)."""
    tmp, sandbox = workspace
    write_content(tmp / "content", 2, sandbox.url, channels=(channel,))
    if channel == "wechat":
        sandbox.wechat.faults.update({"quota_exhausted": ["*"]})
    else:
        sandbox.weibo.faults.update({"invalidate_token": {"times": 1}})
    held = cli("run", "--once")
    assert held.exit_code == 1, held.output  # nothing that was due went out: the run says so
    assert "暂缓 2 条" in held.output and "一条也没有发出" in held.output
    status = json.loads(cli("status", "--format", "json").output)
    account = status["paused_accounts"][0]
    assert {r["state"] for r in status["publications"]} == {"scheduled"}
    assert all(r["held"] and account in r["reason"] and f"unfreeze --account {account}" in r["fix"]
               for r in status["publications"]), status["publications"]  # fmt: skip
    assert any(account in note for note in status["notes"])

    if channel == "wechat":
        sandbox.wechat.faults.update({"quota_exhausted": []})  # the operator's clear_quota
    else:
        sandbox.weibo.expired.clear()  # re-authorised
    assert cli("unfreeze", "--account", account).exit_code == 0
    assert cli("run", "--once").exit_code == 0
    status = json.loads(cli("status", "--format", "json").output)
    assert {r["state"] for r in status["publications"]} == {"published"}, status["publications"]
    app_ = sandbox.wechat if channel == "wechat" else sandbox.weibo
    assert sorted(app_.posts_by_key.values()) == [1, 1]
