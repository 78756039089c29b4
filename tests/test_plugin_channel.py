"""A channel installed only through the `publisher.channels` entry point (tests/plugin_channel:
the "echo" channel) gets what the built-in channels get, with no change to the core: an account
check, a preview pane, sandbox routing, publishing, reach figures and its own front-matter keys.

The plugin is installed the way pip leaves a package: a `*.dist-info` folder with its
`entry_points.txt` on sys.path (and PYTHONPATH for child processes), so
`importlib.metadata.entry_points` finds it exactly as it finds an installed wheel.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from publish_fixtures import MATRIX_HEAD, cover_jpeg, item_text
from typer.testing import CliRunner

from channels import registry
from channels.sandbox_server import start_sandbox

PLUGIN_SOURCE = Path(__file__).parent / "plugin_channel"

MATRIX = MATRIX_HEAD + """
[[accounts]]
id = "echo-main"
name = "回声号"
channel = "echo"
[accounts.options]
base_url = "https://api.echo.example"

[review]
verify = "none"
stages = ["初审", "复审", "终审"]
"""


@pytest.fixture
def echo_installed(tmp_path_factory, monkeypatch) -> Iterator[None]:
    site = tmp_path_factory.mktemp("site-packages")
    info = site / "echo_channel-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-channel\nVersion: 0.1\n", "utf-8")
    (info / "entry_points.txt").write_text("[publisher.channels]\necho = echo_channel:EchoChannel\n", "utf-8")
    for entry in (str(PLUGIN_SOURCE), str(site)):
        monkeypatch.syspath_prepend(entry)
    monkeypatch.setenv("PYTHONPATH", f"{PLUGIN_SOURCE}:{site}")
    registry.forget()
    yield
    registry.forget()
    for name in [m for m in sys.modules if m.startswith("echo_channel")]:
        del sys.modules[name]


def write_repo(root: Path, mood: str | None = "激动") -> Path:
    (root / "publisher.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(MATRIX, "utf-8")
    folder = root / "items" / "2026" / "11" / "echo-item"
    folder.mkdir(parents=True)
    text = item_text(1, datetime.now(UTC) - timedelta(minutes=2), title="回声渠道首发测试", target="echo")
    if mood is not None:
        text = text.replace("targets: {echo: null}", f"targets: {{echo: {{mood: {mood}}}}}")
    (folder / "index.md").write_text(text, "utf-8")
    (folder / "cover.jpg").write_bytes(cover_jpeg(1))
    return root


def test_the_registry_finds_the_plugin_by_its_entry_point(echo_installed):
    cls = registry.channel_class("echo")
    assert cls is not None and cls.__module__ == "echo_channel"
    assert "echo" not in registry._BUILTIN


def test_plugin_account_check_preview_sandbox_publish_and_reach(echo_installed, tmp_path, monkeypatch):
    from publisher.cli import app
    from publisher.content.loader import load_items
    from publisher.content.matrix import load_matrix
    from publisher.ledger import State
    from publisher.office.preview import build_preview
    from publisher.publish.accounts import describe, verify
    from publisher.publish.reach import pull_reach
    from publisher.runtime.context import open_runtime
    from publisher.settings import Settings

    root = write_repo(tmp_path / "content")
    matrix = load_matrix(root)
    account = matrix.account("echo-main")
    sandbox = start_sandbox(port=0)
    try:
        # Sandbox routing: the plugin's sandbox is mounted under its name, accounts point at it.
        assert "echo" in sandbox.apps
        monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setenv("PUBLISHER_SANDBOX_URL", sandbox.url)
        monkeypatch.delenv("PUBLISHER_DATABASE_URL", raising=False)

        # Account check: the missing secret is named, then the plugin's own verification runs.
        monkeypatch.delenv("PUBLISHER_SECRET_ECHO_MAIN_TOKEN", raising=False)
        report = describe(account, matrix, sandbox.url)
        assert report.credentials == "未配置：PUBLISHER_SECRET_ECHO_MAIN_TOKEN"
        assert report.endpoint == f"{sandbox.url}/echo"
        monkeypatch.setenv("PUBLISHER_SECRET_ECHO_MAIN_TOKEN", "echo-main")
        checked = verify(describe(account, matrix, sandbox.url), matrix, Settings(), sandbox.url)
        assert checked.ok is True and checked.detail == "令牌有效（回声用户 main）"
        monkeypatch.setenv("PUBLISHER_SECRET_ECHO_MAIN_TOKEN", "wrong")
        refused = verify(describe(account, matrix, sandbox.url), matrix, Settings(), sandbox.url)
        assert refused.ok is False and "回声令牌无效" in refused.detail
        monkeypatch.setenv("PUBLISHER_SECRET_ECHO_MAIN_TOKEN", "echo-main")

        # Preview: the plugin draws its own pane, with its own front-matter key applied.
        (item,) = load_items(root, matrix).items
        page = build_preview(item, matrix)
        assert 'data-channel="echo"' in page and "【回声渠道首发测试】" in page and "（激动）" in page

        # Publishing through the same CLI path as every channel, then reach from the plugin.
        result = CliRunner().invoke(app, ["run", "--once", "--content", str(root)], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        posts = sandbox.apps["echo"].posts
        assert [p["text"] for p in posts.values()] == ["【回声渠道首发测试】（激动）"]
        runtime = open_runtime(Settings(), shared="memory")
        (row,) = runtime.ledger.publications()
        assert row.state is State.PUBLISHED and row.remote_id == "1"
        reach = pull_reach(runtime)
        assert reach.stored == 1 and not reach.errors
        assert runtime.ledger.latest_reach([row.id])[row.id].reads == 101
    finally:
        sandbox.stop()


def test_an_unknown_or_invalid_plugin_key_is_an_error_with_its_line(echo_installed, tmp_path):
    from publisher.checks import check_items
    from publisher.content.matrix import load_matrix

    root = write_repo(tmp_path / "content")
    index = root / "items" / "2026" / "11" / "echo-item" / "index.md"
    index.write_text(index.read_text("utf-8").replace("mood: 激动", "mood: [1, 2]"), "utf-8")
    findings = check_items(root, load_matrix(root)).findings
    (invalid,) = [f for f in findings if f.code == "invalid-target-option"]
    assert invalid.is_error and "targets.echo" in invalid.message and invalid.line is not None

    index.write_text(index.read_text("utf-8").replace("mood: [1, 2]", "colour: 红"), "utf-8")
    with_unknown = check_items(root, load_matrix(root)).findings
    assert any(f.code == "invalid-target-option" and "colour" in f.message for f in with_unknown)


def test_asking_for_one_channel_imports_only_that_channel():
    import subprocess

    code = ("import sys; from channels.registry import channel_class, available\n"
            "assert channel_class('site').__name__ == 'SiteChannel'\n"
            "print(sorted(m for m in sys.modules if m in ('channels.wechat', 'channels.weibo', 'channels.douyin')))\n"
            "print(sorted(available()))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    imported, every = done.stdout.splitlines()
    assert imported == "[]"
    assert all(name in every for name in ("'site'", "'wechat'", "'weibo'", "'douyin'"))
