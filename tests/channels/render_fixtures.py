"""Shared pieces of the WeChat/Weibo render tests: content roots, item loading, golden files.

Golden files live in tests/golden/<channel>/<item>.json (payload, asset hashes, content hash).
Regenerate them after an intended change with:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/channels/test_wechat_render.py tests/channels/test_weibo_render.py

and review the diff before committing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from channels.base import Rendition
from publisher.content.loader import load_item, load_items
from publisher.content.matrix import Matrix, load_matrix
from publisher.content.model import ContentItem

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
FIXTURE_ROOT = TESTS / "fixtures" / "render_content"
CONTENT_ROOT = REPO / "content"
GOLDEN = TESTS / "golden"


def load(root: Path, item_id: str) -> tuple[ContentItem, Matrix]:
    matrix = load_matrix(root)
    item, findings = load_item(root / "items" / item_id / "index.md", root, matrix)
    assert item is not None, [str(f) for f in findings]
    return item, matrix


def all_items(root: Path) -> tuple[list[ContentItem], Matrix]:
    matrix = load_matrix(root)
    return load_items(root, matrix).items, matrix


def content_items() -> list[str]:
    """Item ids of the sample content repo (empty while it is being written)."""
    if not (CONTENT_ROOT / "publisher.toml").is_file():
        return []
    return sorted(p.parent.relative_to(CONTENT_ROOT / "items").as_posix()
                  for p in (CONTENT_ROOT / "items").rglob("index.md"))


def make_root(tmp_path: Path, item_id: str, front_matter: str, body: str, files: dict[str, bytes] | None = None,
              toml_extra: str = "") -> Path:
    """A content root with the fixture's publisher.toml and one item written from parts."""
    root = tmp_path / "content"
    folder = root / "items" / item_id
    folder.mkdir(parents=True)
    shutil.copy(FIXTURE_ROOT / "publisher.toml", root / "publisher.toml")
    if toml_extra:
        with open(root / "publisher.toml", "a", encoding="utf-8") as fh:
            fh.write("\n" + toml_extra)
    (folder / "index.md").write_text(f"---\n{front_matter.strip()}\n---\n{body}", "utf-8")
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
    return root


def golden_record(rendition: Rendition) -> dict:
    return {
        "item": rendition.item_id,
        "channel": rendition.channel,
        "account": rendition.account_id,
        "payload": rendition.payload,
        "assets": {
            a.name: {"role": a.role, "media_type": a.media_type, "source": a.source, "width": a.width,
                     "height": a.height, "bytes": len(a.data), "sha256": a.sha256}
            for a in sorted(rendition.assets, key=lambda a: a.name)
        },
        "content_hash": rendition.content_hash,
    }


def assert_golden(channel: str, name: str, rendition: Rendition) -> None:
    path = GOLDEN / channel / f"{name}.json"
    record = golden_record(rendition)
    text = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        return
    assert path.is_file(), f"no golden file {path.relative_to(REPO)}: run with UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text("utf-8"))
    assert record["payload"] == expected["payload"], f"payload differs from {path.name} (UPDATE_GOLDEN=1 to accept)"
    assert record["assets"] == expected["assets"], f"assets differ from {path.name} (UPDATE_GOLDEN=1 to accept)"
    assert record == expected
