"""`publisher accounts --check` against the real sandbox: good credentials pass, a missing or
refused one fails with a sentence, and no secret value is ever printed."""

from __future__ import annotations

import json

import pytest
from publish_fixtures import write_content
from typer.testing import CliRunner

from channels.sandbox_server import start_sandbox
from publisher.cli import app

WX_SECRET = "sandbox-secret"
WB_TOKEN = "sandbox-token-accounts-test"


@pytest.fixture()
def sandbox():
    handle = start_sandbox(port=0)
    yield handle
    handle.stop()


def _run(args, root, env):
    return CliRunner().invoke(app, [*args, "--content", str(root)], env={**env, "COLUMNS": "200"})


def test_check_passes_with_working_credentials(tmp_path, sandbox):
    root = tmp_path / "content"
    write_content(root, 1, sandbox.url, channels=("wechat", "weibo"))
    env = {"PUBLISHER_SECRET_WX_MAIN": WX_SECRET, "PUBLISHER_SECRET_WB_MAIN_TOKEN": WB_TOKEN,
           "PUBLISHER_STATE_DIR": str(tmp_path / "state")}
    result = _run(["accounts", "--check", "--format", "json"], root, env)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert rows["wx-main"]["ok"] is True and rows["wb-main"]["ok"] is True
    assert "授权有效" in rows["wb-main"]["detail"]
    assert WX_SECRET not in result.output and WB_TOKEN not in result.output


def test_check_fails_clearly_for_missing_and_refused_credentials(tmp_path, sandbox):
    root = tmp_path / "content"
    write_content(root, 1, sandbox.url, channels=("wechat", "weibo"))
    env = {"PUBLISHER_SECRET_WB_MAIN_TOKEN": "not-a-valid-token", "PUBLISHER_STATE_DIR": str(tmp_path / "state")}
    listing = _run(["accounts"], root, env)
    assert listing.exit_code == 0 and "wx-main" in listing.output
    described = {r["id"]: r for r in json.loads(_run(["accounts", "--format", "json"], root, env).output)}
    assert described["wx-main"]["credentials"] == "未配置：PUBLISHER_SECRET_WX_MAIN"
    assert described["wb-main"]["credentials"] == "已配置" and described["wb-main"]["ok"] is None
    result = _run(["accounts", "--check", "--format", "json"], root, env)
    assert result.exit_code == 1
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert rows["wx-main"]["ok"] is False and "PUBLISHER_SECRET_WX_MAIN" in rows["wx-main"]["detail"]
    assert rows["wb-main"]["ok"] is False and "重新授权" in rows["wb-main"]["detail"]
    assert "not-a-valid-token" not in result.output
