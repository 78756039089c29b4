"""Secrets never leak: a full cycle at DEBUG log level — sync, publish to the WeChat and Weibo
sandboxes and the site, status, log, export, preview — with distinctive secret values (the
WeChat app secret, the Weibo token and every access token the sandbox issued). None of them may
appear in captured logs (root logger at DEBUG, urllib3 included), command output (stdout and
stderr, in-process and in a child process), any table of the SQLite ledger (audit log included),
any file of the state folder (stored versions, caches, the built site) or rendered files."""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_content import ITEM, hostile_root
from publish_fixtures import WIDE_CATCH_UP
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.cli import app

pytestmark = pytest.mark.timeout(180)

APP_SECRET = "wxsecret-Q7f3a9c1e5d2b8047"
WEIBO_TOKEN = "sandbox-token-WB-6d1c4e9f0a2b7385"
REPO = Path(__file__).resolve().parents[2]

SITE_ACCOUNT = """
[[accounts]]
id = "portal"
name = "测试门户网站"
channel = "site"
"""


@pytest.fixture
def cycle(tmp_path, monkeypatch):
    sandbox = start_sandbox(
        port=0,
        wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.1, secret=APP_SECRET),
        # One revoked token on the way: the adapter must fetch (and hide) a second one.
        faults=FaultSettings(invalidate_token={"times": 1, "paths": ["/cgi-bin/draft/add"]}),
    )
    root = hostile_root(tmp_path, sandbox=sandbox.url)
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + SITE_ACCOUNT, encoding="utf-8")
    env = {
        "PUBLISHER_SECRET_WX_MAIN": APP_SECRET,
        "PUBLISHER_SECRET_WB_MAIN_TOKEN": WEIBO_TOKEN,
        "PUBLISHER_SECRET_WB_MAIN": WEIBO_TOKEN,
        "PUBLISHER_CONTENT_DIR": str(root),
        "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
        "PUBLISHER_EXECUTOR": "local",
        "PUBLISHER_POLL_SECONDS": "0.2",
        "PUBLISHER_USE_GIT": "false",
        "PUBLISHER_LOG_LEVEL": "DEBUG",
        **WIDE_CATCH_UP,
    }
    for key in [k for k in os.environ if k.startswith("PUBLISHER_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    try:
        yield tmp_path, sandbox, env
    finally:
        sandbox.stop()


def test_no_secret_anywhere_after_a_full_cycle(cycle):
    tmp, sandbox, env = cycle
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG)
    outputs: list[str] = []
    try:
        runner = CliRunner()

        def cli(*args: str) -> str:
            result = runner.invoke(app, list(args))
            outputs.append(result.output)
            assert result.exit_code == 0, result.output
            return result.output

        cli("run", "--once", "--timeout", "60")
        status = json.loads(cli("status", "--format", "json"))
        states = {r["account_id"]: r["state"] for r in status["publications"]}
        assert states == {"wx-main": "published", "wb-main": "published", "portal": "published"}, status
        cli("status")
        cli("log", ITEM)
        cli("log", ITEM, "--format", "json")
        cli("export", "--format", "json", "--history")
        cli("export", "--format", "csv", "--out", str(tmp / "export.csv"))
        cli("preview", str(Path(env["PUBLISHER_CONTENT_DIR"]) / "items" / ITEM), "--out", str(tmp / "preview.html"))
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_level)

    # A separate process too: what it prints on stdout and stderr.
    child_env = {**{k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}, **env, "PYTHONPATH": str(REPO)}
    child = subprocess.run(
        [sys.executable, "-c", "import logging; logging.basicConfig(level=logging.DEBUG); "
         "from publisher.cli import main; main()", "status"],
        cwd=tmp, env=child_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    outputs += [child.stdout, child.stderr]

    access_tokens = list(sandbox.wechat.tokens.tokens)
    assert len(access_tokens) >= 2, "the revoked token and its replacement"
    secrets = {"app secret": APP_SECRET, "weibo token": WEIBO_TOKEN}
    secrets.update({f"access token {i}": t for i, t in enumerate(access_tokens)})

    logs = captured.getvalue()
    # The capture saw urllib3's request lines (query strings included), masked: not a dead test.
    assert "access_token=***" in logs, logs[-2000:]
    places: dict[str, bytes] = {"logs": logs.encode(), "output": "\n".join(outputs).encode()}
    places.update(ledger_dump(tmp / "state" / "ledger.sqlite3"))
    for path in sorted(p for p in tmp.rglob("*") if p.is_file() and "content" not in p.parts):
        places[str(path.relative_to(tmp))] = path.read_bytes()
    assert any(name.startswith("state/site") for name in places), "the site was built"
    assert "preview.html" in places and "export.csv" in places

    leaks = [(what, where) for what, value in secrets.items() for where, data in places.items() if value.encode() in data]
    assert leaks == [], leaks


def ledger_dump(path: Path) -> dict[str, bytes]:
    """Every row of every table, as text (the audit log is the `audit_log` table)."""
    dump: dict[str, bytes] = {}
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert "audit_log" in tables and "publications" in tables
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608 - names from sqlite_master
            dump[f"ledger:{table}"] = repr(rows).encode()
    return dump
