"""Frozen copies of item versions, so a worker publishes exactly what sync planned.

A version is keyed by `version_hash`: the item's files and the publisher.toml it was planned
with. Its copy lives at `<state>/versions/<hash>/` with the same layout as a content root
(publisher.toml + items/<id>/…), so the ordinary loader reads it.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from publisher.content.loader import ITEM_FILE, ITEMS_DIR, load_item
from publisher.content.matrix import CONFIG_NAME, Matrix, MatrixError, load_matrix
from publisher.content.model import ContentItem
from publisher.settings import Settings


class VersionMissing(Exception):
    pass


def _item_files(item: ContentItem) -> list[Path]:
    return sorted(p for p in item.folder.iterdir() if p.is_file() and not p.is_symlink())


def version_hash(item: ContentItem) -> str:
    digest = hashlib.sha256()
    digest.update((item.root / CONFIG_NAME).read_bytes())
    for path in _item_files(item):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def version_dir(state_dir: Path, vhash: str) -> Path:
    return state_dir / "versions" / vhash


def store_version(item: ContentItem, state_dir: Path, vhash: str | None = None) -> str:
    """Copy the item (and the matrix it was planned with) aside; returns the version hash."""
    vhash = vhash or version_hash(item)
    target = version_dir(state_dir, vhash)
    if (target / ".complete").exists():
        return vhash
    item_target = target / ITEMS_DIR / item.id
    item_target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(item.root / CONFIG_NAME, target / CONFIG_NAME)
    # Copies, not hard links: an editor saving in place would otherwise rewrite the version too.
    for path in _item_files(item):
        shutil.copyfile(path, item_target / path.name)
    (target / ".complete").touch()
    return vhash


def load_version(state_dir: Path, vhash: str, item_id: str) -> tuple[ContentItem, Matrix]:
    root = version_dir(state_dir, vhash)
    path = root / ITEMS_DIR / item_id / ITEM_FILE
    if not path.is_file():
        raise VersionMissing(f"找不到条目 {item_id} 的版本 {vhash[:10]}（状态目录可能被清理）")
    try:
        matrix = load_matrix(root)
    except MatrixError as exc:
        raise VersionMissing(str(exc)) from None
    item, findings = load_item(path, root, matrix)
    if item is None:
        raise VersionMissing("; ".join(str(f) for f in findings))
    return item, matrix


def snapshot_cache(settings: Settings) -> Path:
    """Where sync and manual operations unpack the committed content they read."""
    return settings.state_dir / "snapshots"
