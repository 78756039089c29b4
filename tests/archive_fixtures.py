"""A real published quarter for the archive tests: a git content repo whose three reviewers sign
each item in their own SSH-signed commits, published by `publisher run --once` to the WeChat and
Weibo sandboxes and the website, so the ledger, the stored versions and the history are all real.

`published_quarter(base)` builds it once (module fixtures copy nothing: archives are written
into fresh folders, the ledger is only read)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from publish_fixtures import SECRET_ENV, WIDE_CATCH_UP, write_content
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.approval import SignLine
from publisher.content.signing import insert_signoff

TZ = ZoneInfo("Asia/Shanghai")
# Distinctive secret values: the archive must contain none of them.
# The WeChat sandbox is started with APP_SECRET; the Weibo one takes any token with its prefix.
APP_SECRET = "wxsecret-ARCHIVE-7f3a9c1e5d2b"
SECRETS = {**SECRET_ENV, "PUBLISHER_SECRET_WX_MAIN": APP_SECRET,
           "PUBLISHER_SECRET_WB_MAIN": "sandbox-token-ARCHIVE-6d1c4e9f0a2b",
           "PUBLISHER_SECRET_WB_MAIN_TOKEN": "sandbox-token-ARCHIVE-6d1c4e9f0a2b"}
REVIEWERS = [("初审", "周敏", "zhoumin@bjdata.example.cn"), ("复审", "陈立群", "chenliqun@bjdata.example.cn"),
             ("终审", "刘振华", "liuzhenhua@bjdata.example.cn")]
EDITOR = ("王编辑", "wangbianji@bjdata.example.cn")
SITE = """
[[accounts]]
id = "portal"
name = "测试门户网站"
channel = "site"
[accounts.options]
out_dir = "{out}"
"""


@dataclass
class Published:
    base: Path
    root: Path
    env: dict[str, str]
    item_ids: list[str]

    def quarter(self) -> str:
        now = datetime.now(TZ)
        return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def _git(root: Path, *args: str, who: tuple[str, str] | None = None, key: Path | None = None) -> str:
    config: list[str] = []
    if who:
        config += ["-c", f"user.name={who[0]}", "-c", f"user.email={who[1]}"]
    if key:
        config += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "-c", "commit.gpgsign=true"]
    done = subprocess.run(["git", *config, "-C", str(root), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _reviewers_toml(keys: dict[str, Path]) -> str:
    blocks = [f'[[review.reviewers]]\nname = "{name}"\nemail = "{email}"\nstages = ["{stage}"]\n'
              f'key = "{keys[name].with_suffix(".pub").read_text().strip()}"\n' for stage, name, email in REVIEWERS]
    return "\n".join(blocks)


def published_quarter(base: Path, keygen: str, sandbox_url: str) -> Published:
    """Two items, each signed 初审→复审→终审 by its reviewer's signed commit, ready to publish."""
    root = base / "content"
    ids = write_content(root, 2, sandbox_url, channels=("wechat", "weibo"))
    keys: dict[str, Path] = {}
    (base / "keys").mkdir()
    for index, (_stage, name, _email) in enumerate(REVIEWERS):
        key = base / "keys" / f"key{index}"
        subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        keys[name] = key
    toml = root / "publisher.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'verify = "none"', "require_signatures = true\n\n" + _reviewers_toml(keys) + "\n#")
    toml.write_text(text + SITE.format(out=base / "site"), encoding="utf-8")
    # Items without their sign-offs first (the editor's commit), then one signed commit per stage.
    signed: dict[str, list[SignLine]] = {}
    for item_id in ids:
        path = root / "items" / item_id / "index.md"
        source = path.read_text(encoding="utf-8")
        head, _, rest = source.partition("review:\n")
        lines, body = rest.split("---\n", 1)
        signed[item_id] = [SignLine(*_parse(line)) for line in lines.strip().splitlines()]
        path.write_text(head + "---\n" + body, encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "新稿件", who=EDITOR)
    for stage, name, email in REVIEWERS:
        for item_id in ids:
            path = root / "items" / item_id / "index.md"
            line = next(s for s in signed[item_id] if s.stage == stage)
            path.write_text(insert_signoff(path.read_text(encoding="utf-8"), line), encoding="utf-8")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"签发{stage}", who=(name, email), key=keys[name])
    env = {**SECRETS, "PUBLISHER_CONTENT_DIR": str(root), "PUBLISHER_STATE_DIR": str(base / "state"),
           "PUBLISHER_EXECUTOR": "local", "PUBLISHER_POLL_SECONDS": "0.2", "PUBLISHER_USE_GIT": "true",
           **WIDE_CATCH_UP}
    return Published(base, root, env, ids)


def _parse(line: str) -> tuple[str, str, str]:
    """`  - {stage: 初审, by: 周敏, at: "2026-11-01 09:00"}` → (stage, by, at)."""
    inner = line.strip()[3:-1]
    parts = dict(part.split(": ", 1) for part in inner.split(", "))
    return parts["stage"], parts["by"], parts["at"].strip('"')


def run_cli(env: dict[str, str], *args: str):
    """The command in-process with exactly these PUBLISHER_* settings."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("PUBLISHER_")}
    for key in saved:
        del os.environ[key]
    env = {**WIDE_CATCH_UP, **env}  # items due minutes ago on a fresh ledger are published
    os.environ.update(env)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        for key in env:
            os.environ.pop(key, None)
        os.environ.update(saved)
