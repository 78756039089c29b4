"""The everyday commands as an editor meets them on an 80-column terminal: status and plan
readable (ids never broken), `log` in sentences in time order, unpushed commits named, report
files written to disk, busy ports explained."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from publish_fixtures import SECRET_ENV, item_text, write_content
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.cli import app

LONG_ID = "2026/11/shi-shuju-ju-quanmian-tuijin-gonggong-shuju-kaifang"


@pytest.fixture
def sandbox():
    handle = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.2), faults=FaultSettings())
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    for key, value in {
        "PUBLISHER_CONTENT_DIR": str(tmp_path / "content"),
        "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
        "PUBLISHER_EXECUTOR": "local",
        "PUBLISHER_POLL_SECONDS": "0.2",
        "PUBLISHER_USE_GIT": "false",
        "COLUMNS": "80",
    }.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def cli(*args: str):
    return CliRunner().invoke(app, list(args), terminal_width=80)


def published_workspace(root, sandbox):
    """Two items on WeChat and Weibo, one with a long id; one Weibo post rejected as repeat."""
    ids = write_content(root / "content", 2, sandbox.url, channels=("wechat", "weibo"))
    items = root / "content" / "items"
    (items / ids[1]).rename(items / LONG_ID)
    blocked = items / "2026/12/later"
    blocked.mkdir(parents=True)
    text = item_text(9, datetime.now(UTC) + timedelta(days=2))
    (blocked / "index.md").write_text(re.sub(r"review:\n(  - .*\n)+", "", text), encoding="utf-8")
    (blocked / "cover.jpg").write_bytes((items / ids[0] / "cover.jpg").read_bytes())
    return ids[0]


def assert_fits(output: str, width: int = 80) -> None:
    from rich.cells import cell_len

    for line in output.splitlines():
        assert cell_len(line) <= width, f"wider than {width} columns: {line!r}"


def test_status_fits_80_columns_and_wide_shows_the_table(env, sandbox):
    published_workspace(env, sandbox)
    assert cli("run", "--once").exit_code == 0
    result = cli("status")
    assert result.exit_code == 0, result.output
    print(result.output)
    assert_fits(result.output)
    assert f"{LONG_ID} → wx-main" in result.output  # the id is whole, on one line
    assert "--wide 显示完整表格" in result.output
    assert "处理：修改条目后运行 publisher check items/2026/12/later" in result.output
    wide = cli("status", "--wide")
    assert wide.exit_code == 0
    row = next(line for line in wide.output.splitlines() if LONG_ID in line)
    assert "wx-main" in row and "已发布" in row  # one table row holds id, account and state


def test_plan_fits_80_columns(env, sandbox):
    published_workspace(env, sandbox)
    result = cli("plan")
    assert result.exit_code == 0, result.output
    print(result.output)
    assert_fits(result.output)
    assert f"{LONG_ID}" in result.output
    assert "测试公众号（wx-main）" in result.output
    wide = cli("plan", "--wide")
    row = next(line for line in wide.output.splitlines() if LONG_ID in line)
    assert "新建" in row


def test_log_reads_as_sentences_in_time_order(env, sandbox):
    first = published_workspace(env, sandbox)
    assert cli("run", "--once").exit_code == 0
    result = cli("log", first)
    assert result.exit_code == 0, result.output
    print(result.output)
    assert_fits(result.output)
    lines = [line for line in result.output.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    stamps = [line[:19] for line in lines]
    assert stamps == sorted(stamps)
    text = result.output
    assert "为 测试公众号（wx-main） 排期" in text
    assert "开始向 测试公众号（wx-main） 发布" in text
    assert "已在 测试公众号（wx-main） 发布成功，链接" in text and "/wechat/s/sbx_" in text
    assert "已在 测试微博（wb-main） 发布成功" in text
    assert "（系统）" in text
    assert "{" not in text and "sha256" not in text  # no JSON, no hashes


def git(root, *args):
    subprocess.run(["git", "-C", str(root), "-c", "user.name=编辑", "-c", "user.email=e@example.invalid", *args],
                   check=True, capture_output=True)  # fmt: skip


def test_unpushed_commits_are_named(env, sandbox, monkeypatch):
    remote, work = env / "remote.git", env / "content"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    write_content(work, 1, sandbox.url, channels=("wechat",))
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "first")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "-u", "origin", "main")
    monkeypatch.setenv("PUBLISHER_USE_GIT", "true")
    clean = cli("plan")
    assert clean.exit_code == 0, clean.output
    assert "尚未推送" not in clean.output
    (work / "items" / "2026/11/item-0000" / "index.md").write_text(
        item_text(0, datetime.now(UTC), title="改过的标题"), encoding="utf-8")  # fmt: skip
    git(work, "commit", "-qam", "second")
    git(work, "commit", "-q", "--allow-empty", "-m", "third")
    result = cli("plan")
    assert result.exit_code == 0, result.output
    assert "本地有 2 个提交尚未推送，未纳入发布" in result.output
    assert "改过的标题" not in result.output
    assert json.loads(cli("plan", "--format", "json").stdout)["unpushed_commits"] == 2
    run = cli("run", "--once")
    assert "本地有 2 个提交尚未推送，未纳入发布" in run.output


def test_busy_port_names_the_option(env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for command, option in ((["sandbox"], "--port"), (["notify", "sandbox"], "--port")):
            result = cli(*command, "--port", str(port))
            assert result.exit_code == 2, result.output
            assert f"端口 {port} 已被其他程序占用" in result.output and f"请用 {option} 换一个端口" in result.output


def test_site_port_taken_is_said_for_serve(tmp_path):
    from publisher.cli.common import busy_port_sentence
    from publisher.cli.demo import _serve_folder

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        error = _serve_folder(tmp_path, port)
    assert isinstance(error, OSError)
    assert busy_port_sentence(port, error, "门户网站页面", "--site-port", "SITE_PORT") == (
        f"端口 {port} 已被其他程序占用，门户网站页面无法使用它：请用 --site-port 换一个端口（make demo SITE_PORT=…）。"
    )


def test_make_demo_passes_the_ports():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    assert "--sandbox-port $(SANDBOX_PORT)" in makefile and "--site-port $(SITE_PORT)" in makefile
    dry = subprocess.run(["make", "-n", "demo", "SANDBOX_PORT=8811", "SITE_PORT=8011", "-o", ".venv/.installed-stamp"],
                         cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=False)  # fmt: skip
    assert "publisher demo --sandbox-port 8811 --site-port 8011" in dry.stdout, dry.stdout + dry.stderr


@pytest.mark.parametrize("command", [[], ["status"], ["notify"], ["notify", "test"], ["report"], ["log"]])
def test_help_is_chinese(command):
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "用法：publisher" in text and "显示本帮助并退出。" in text and "选项" in text
    for english in ("Usage:", "Options", "Show this message", "Commands", "Arguments", "[default:", "<str>", "<bool>"):
        assert english not in text, (english, text)


def test_usage_errors_are_chinese():
    missing = cli("log")
    assert missing.exit_code == 2 and "缺少参数 'item'。" in missing.output and "Missing" not in missing.output
    unknown = cli("status", "--bogus")
    assert "没有选项：--bogus" in unknown.output and "No such option" not in unknown.output
    bad = cli("notify", "run", "--ticks", "abc")
    assert "取值无效" in bad.output and "不是有效的整数" in bad.output, bad.output


def test_every_command_help_has_no_english_ui_words():
    import typer.main

    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():
        paths.append([name])
        for sub in getattr(command, "commands", {}) or {}:
            paths.append([name, sub])
    assert len(paths) > 20
    for path in paths:
        text = cli(*path, "--help").output
        assert "用法：publisher" in text, path
        for english in ("Usage:", "Options", "Show this message", "Commands", "Arguments", "[default:",
                        "[required]", "<str>", "<bool>", "<path>", "<int>", "<float>"):  # fmt: skip
            assert english not in text, (path, english)
