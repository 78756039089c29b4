"""A hostile item never stops the others: a content root holding the whole bad-input corpus
(tests/fixtures/bad_items) and pathological items next to good ones is synced and published
with the local executor against the sandboxes; every good item is published, no broken one is,
and the run ends (it used to die: css-inline overflowed its stack on an 8,000-deep body)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fuzz_support import png
from publish_fixtures import SECRET_ENV, write_content
from typer.testing import CliRunner

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.cli import app

pytestmark = pytest.mark.timeout(240)
BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_items" / "items" / "bad"
GOOD_COUNT = 6


def pathological(header: str) -> dict[str, str]:
    return {
        "deep-quote": header + "> " * 5000 + "引用\n",
        "huge-table": header + "|a|b|\n|---|---|\n" + "|格|格|\n" * 20000,
        "emphasis": header + "*_" * 20000 + "\n",
        "html-soup": header + "<div><table><tr><td><script>alert(1)</script>" * 2000 + "\n",
        "bomb-cover": header.replace("cover: cover.jpg", "cover: bomb.png") + "正文。\n",
        "null-bytes": header + "正文\x00\x01\x02。\n",
    }


def publishable(root: Path, item_id: str) -> bool:
    """What the checks say of a corpus item under this content root's matrix (some corpus items
    only carry warnings, or errors that depend on the corpus' own word lists)."""
    from publisher.checks import is_publishable
    from publisher.content.loader import load_item
    from publisher.content.matrix import load_matrix

    matrix = load_matrix(root)
    item, _ = load_item(root / "items" / item_id / "index.md", root, matrix)
    return item is not None and is_publishable(item, matrix)[0]


def test_good_items_publish_whatever_sits_next_to_them(tmp_path, monkeypatch):
    sandbox = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.1), faults=FaultSettings())
    try:
        root = tmp_path / "content"
        at = datetime.now(UTC) - timedelta(minutes=5)
        good = write_content(root, GOOD_COUNT, sandbox.url, channels=("wechat", "weibo"), publish_at=at, alternate=True)
        template = (root / "items" / good[0] / "index.md").read_text(encoding="utf-8")
        header = template[: template.index("\n---\n", 4) + 5]
        hostile = []
        for name, text in pathological(header).items():
            folder = root / "items" / "hostile" / name
            folder.mkdir(parents=True)
            (folder / "index.md").write_text(text, encoding="utf-8")
            shutil.copy(root / "items" / good[0] / "cover.jpg", folder / "cover.jpg")
            (folder / "bomb.png").write_bytes(png(100_000, 100_000))
            hostile.append(f"hostile/{name}")
        for folder in sorted(p for p in BAD.iterdir() if p.is_dir()):
            shutil.copytree(folder, root / "items" / "corpus" / folder.name)
            hostile.append(f"corpus/{folder.name}")

        monkeypatch.chdir(tmp_path)
        for key, value in {**SECRET_ENV, "PUBLISHER_CONTENT_DIR": str(root), "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
                           "PUBLISHER_EXECUTOR": "local", "PUBLISHER_POLL_SECONDS": "0.2", "PUBLISHER_USE_GIT": "false"}.items():  # fmt: skip
            monkeypatch.setenv(key, value)
        runner = CliRunner()
        result = runner.invoke(app, ["run", "--once", "--timeout", "120"])
        assert result.exit_code == 0, result.output
        status = json.loads(runner.invoke(app, ["status", "--format", "json"]).output)
        by_item: dict[str, set[str]] = {}
        for row in status["publications"]:
            by_item.setdefault(row["item_id"], set()).add(row["state"])
        assert {i: by_item.get(i) for i in good} == {i: {"published"} for i in good}
        # The corpus items are errors: none may go out. The pathological ones are odd but may
        # be valid (a huge table is a table): they go out or are blocked, and the run ended.
        broken = [i for i in hostile if i.startswith("corpus/") and not publishable(root, i)]
        assert len(broken) > 20
        assert not [i for i in broken if "published" in by_item.get(i, set())], by_item
        assert "published" not in by_item.get("hostile/html-soup", set())  # too deep for WeChat
        assert "published" not in by_item.get("hostile/bomb-cover", set())
        open_states = {"scheduled", "queued", "publishing"}
        assert not [i for i, states in by_item.items() if states & open_states and i in good], by_item
    finally:
        sandbox.stop()
