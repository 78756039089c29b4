"""Helpers shared by the publish, dispatcher and end-to-end tests (imported, not a conftest).

- `write_content(root, n, ...)`: a small generated content repo whose WeChat/Weibo accounts point
  at a sandbox URL; every item passes the checks (three distinct sign-offs, a cover image).
- `plan(...)`: what `publisher.schedule.sync` does for the tests that want rows without the planner: store
  each item version, render from the stored copy, upsert the publication.
- `serve(app)`: a WSGI app on a free loopback port in a thread (sandboxes).
- `RedisServer`: a real redis-server on a free port (fails loudly under CI=true if missing).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

# Tests that build their own PUBLISHER_* environment publish items due minutes ago on a fresh
# ledger; this keeps them about what they test (a new ledger holds history: issue 13,
# tests/ledger/test_ledger_identity.py). tests/conftest.py sets it for everything else.
WIDE_CATCH_UP = {"PUBLISHER_CATCH_UP_MINUTES": str(20 * 366 * 24 * 60)}  # twenty years

SECRET_ENV = {
    "PUBLISHER_SECRET_WX_MAIN": "sandbox-secret",
    "PUBLISHER_SECRET_WX_TWO": "sandbox-secret",
    "PUBLISHER_SECRET_WB_MAIN": "sandbox-token",
    "PUBLISHER_SECRET_WB_MAIN_TOKEN": "sandbox-token",
}

# The site and one column: the start of every generated publisher.toml.
MATRIX_HEAD = """\
timezone = "Asia/Shanghai"
default_column = "news"

[site]
title = "测试门户"
base_url = "http://127.0.0.1:8000"

[[columns]]
id = "news"
name = "工作动态"
kind = "news"
"""

# A matrix with the website as its only account (the site build's tests).
SITE_ONLY_MATRIX = MATRIX_HEAD + """
[[accounts]]
id = "portal"
name = "测试门户网站"
channel = "site"
default = true

[review]
stages = ["初审", "复审", "终审"]
verify = "none"
"""

# Front matter: all three sign-offs SITE_ONLY_MATRIX asks for.
SIGNED_REVIEW = """\
review:
  - {stage: 初审, by: 周敏, at: "2026-11-01 09:00"}
  - {stage: 复审, by: 陈立群, at: "2026-11-01 10:00"}
  - {stage: 终审, by: 刘振华, at: "2026-11-01 11:00"}
"""

MATRIX = MATRIX_HEAD + """
{accounts}

[review]
stages = ["初审", "复审", "终审"]
verify = "none"  # plain folders: sign-offs as written (the git-bound rules: tests/checks/test_signoffs_git.py)
"""

ACCOUNTS = {
    "wechat": """\
[[accounts]]
id = "wx-main"
name = "测试公众号"
channel = "wechat"
[accounts.options]
appid = "wx-test-1"
base_url = "{sandbox}/wechat"
timeout_seconds = {timeout}
""",
    "wechat2": """\
[[accounts]]
id = "wx-two"
name = "测试公众号二"
channel = "wechat"
[accounts.options]
appid = "wx-test-2"
base_url = "{sandbox}/wechat"
timeout_seconds = {timeout}
""",
    "weibo": """\
[[accounts]]
id = "wb-main"
name = "测试微博"
channel = "weibo"
[accounts.options]
base_url = "{sandbox}/weibo"
timeout_seconds = {timeout}
# The platform's 30 an hour is tested in the adapter's tests; here one account posts hundreds.
hourly_limit = 1000000
""",
}

TOPICS = ["政务数据共享", "公共数据开放", "数据安全管理", "电子证照应用", "智慧社区建设", "数据标准化"]


def cover_jpeg(seed: int) -> bytes:
    """A small, valid JPEG (cover and thumb both fit WeChat's limits)."""
    image = Image.new("RGB", (470, 200), ((seed * 37) % 255, (seed * 91) % 255, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def item_text(n: int, publish_at: datetime, title: str | None = None, target: str | None = None) -> str:
    topic = TOPICS[n % len(TOPICS)]
    title = title or f"第{n}号：{topic}工作推进会召开"
    at = publish_at.astimezone(UTC) + timedelta(hours=8)
    signed = (at - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    targets = f"\ntargets: {{{target}: null}}" if target else ""
    return f"""---
title: "{title}"
author: 测试作者
department: 市数据局办公室
publish_at: "{at:%Y-%m-%d %H:%M}"
cover: cover.jpg{targets}
review:
  - {{stage: 初审, by: 周敏, at: "{signed}"}}
  - {{stage: 复审, by: 陈立群, at: "{signed}"}}
  - {{stage: 终审, by: 刘振华, at: "{signed}"}}
---

会议指出，{topic}是推进数字政府建设的重要基础，编号 {n} 的工作要坚持问题导向。

下一步，将继续完善工作机制，推动{topic}向纵深发展（第 {n} 条）。
"""


def write_content(
    root: Path,
    n: int,
    sandbox: str,
    *,
    channels: tuple[str, ...] = ("wechat",),
    publish_at: datetime | None = None,
    timeout: float = 2.0,
    alternate: bool = False,
) -> list[str]:
    """Write publisher.toml and `n` items; returns the item ids. With `alternate`, item i goes
    only to channel `channels[i % len(channels)]` (fewer publications, every channel used)."""
    root.mkdir(parents=True, exist_ok=True)
    accounts = "\n".join(ACCOUNTS[c].format(sandbox=sandbox.rstrip("/"), timeout=timeout) for c in channels)
    (root / "publisher.toml").write_text(MATRIX.format(accounts=accounts), encoding="utf-8")
    publish_at = publish_at or datetime.now(UTC) - timedelta(minutes=5)
    ids = []
    for i in range(n):
        item_id = f"2026/11/item-{i:04d}"
        folder = root / "items" / item_id
        folder.mkdir(parents=True, exist_ok=True)
        target = channels[i % len(channels)].rstrip("0123456789") if alternate else None
        (folder / "index.md").write_text(item_text(i, publish_at, target=target), encoding="utf-8")
        (folder / "cover.jpg").write_bytes(cover_jpeg(i))
        ids.append(item_id)
    return ids


def plan(root: Path, runtime, *, only: list[str] | None = None) -> list:
    """Store versions and schedule every item's targets (the planner's job, minus the checks)."""
    from publisher.content.loader import load_items
    from publisher.content.matrix import load_matrix
    from publisher.content.versions import load_version, store_version

    matrix = load_matrix(root)
    loaded = load_items(root, matrix)
    assert not [f for f in loaded.findings if f.severity == "error"], loaded.findings
    rows = []
    for item in loaded.items:
        if only is not None and item.id not in only:
            continue
        vhash = store_version(item, runtime.settings.state_dir)
        vid = runtime.ledger.upsert_item_version(
            item.id, vhash, item.meta.title, publish_at=item.meta.publish_at
        )
        version_item, version_matrix = load_version(runtime.settings.state_dir, vhash, item.id)
        for account in version_matrix.accounts:
            channel = runtime.channel(version_matrix, account.id)
            rendition = channel.render(version_item)
            row, _ = runtime.ledger.upsert_publication(
                item.id, vid, account.channel, account.id, rendition.content_hash, item.meta.publish_at
            )
            rows.append(row)
    return rows


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1:<free port> in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} not found on PATH (install it: bash scripts/system-deps.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@dataclass
class RedisServer:
    """A throw-away redis-server: no persistence, never evicting (broker and lock keys)."""

    folder: Path
    port: int = 0
    process: subprocess.Popen | None = None
    policy: str = "noeviction"  # tests of the eviction warning start one with allkeys-lru

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = require_binary("redis-server")
        self.port = self.port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--maxmemory-policy", self.policy,
                "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._wait()
        return self

    def _wait(self, timeout: float = 10.0) -> None:
        import redis

        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start on the same port: everything in memory (queued messages) is gone."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL, as an OOM killer or a crashed host would: no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def kill_and_restart(self, down_seconds: float = 0.0) -> None:
        """SIGKILL, stay down for `down_seconds`, start again on the same port (empty)."""
        self.kill()
        if down_seconds:
            time.sleep(down_seconds)
        self.start()
