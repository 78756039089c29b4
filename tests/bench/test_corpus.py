"""The benchmark corpus is deterministic and every generated item loads cleanly."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

# bench/ is a top-level folder, not an installed package: make it importable under plain
# `pytest` as it is under `python -m pytest` (which puts the working directory on sys.path).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.corpus import generate  # noqa: E402
from publisher.checks.typography import markdown_edits  # noqa: E402
from publisher.content.loader import load_items  # noqa: E402
from publisher.content.matrix import load_matrix  # noqa: E402


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_trees(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    generate(first, 30, seed=3, peers=True)
    generate(second, 30, seed=3, peers=True)
    tree = _tree(first)
    assert tree == _tree(second)
    assert sum(name.endswith("/index.md") for name in tree) == 30
    assert any(name.startswith("pelican/content/") for name in tree)
    assert any(name.startswith("hugo/content/posts/") for name in tree)
    other = tmp_path / "c"
    generate(other, 30, seed=4)
    assert _tree(other)["items/2024/01/item-00000/index.md"] != tree["items/2024/01/item-00000/index.md"]


def test_generated_items_load_without_findings(tmp_path):
    stats = generate(tmp_path, 30)
    matrix = load_matrix(tmp_path)
    result = load_items(tmp_path, matrix)
    assert stats.items == 30
    assert [str(f) for f in result.findings] == []
    assert len(result.items) == 30
    for item in result.items:
        assert 2048 <= len(item.body.encode()) <= 6 * 1024, item.id
        assert markdown_edits(item.body) == [], item.id  # written in the 公文 house style
        assert (item.folder / item.meta.cover).is_file()
        stages = [s.at for s in item.meta.review]
        assert stages == sorted(stages) and stages[-1] < item.meta.publish_at


def test_images_are_hard_links_to_the_pool(tmp_path):
    generate(tmp_path, 10)
    pool_inodes = {p.stat().st_ino for p in (tmp_path / "_pool").glob("*.jpg")}
    assert len(pool_inodes) == 12
    linked = [p for p in (tmp_path / "items").rglob("*.jpg")]
    assert linked and all(p.stat().st_ino in pool_inodes for p in linked)
