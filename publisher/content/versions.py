"""Frozen copies of item versions, so a worker publishes exactly what sync planned.

A version is keyed by `version_hash`: the item's files, the publisher.toml it was planned with,
and the files inside the content root that accounts' options name (an account's music, logo or
theme: renditions read them as they read the item's pictures). Its copy lives at
`<state>/versions/<hash>/` with the same layout as a content root (publisher.toml, those files at
their relative paths, items/<id>/…), so the ordinary loader reads it.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import tomllib
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from publisher.content.loader import ITEM_FILE, ITEMS_DIR, load_item
from publisher.content.matrix import CONFIG_NAME, Matrix, MatrixError, load_matrix
from publisher.content.model import ContentItem
from publisher.settings import Settings


class VersionMissing(Exception):
    pass


def _item_files(item: ContentItem) -> list[Path]:
    return _files_in(item.folder)


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink())


def _add_files(digest, paths: list[Path]) -> None:
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def item_files_hash(folder: Path) -> str:
    """What the editor wrote: the item folder's files only (not the matrix, not account files)."""
    digest = hashlib.sha256()
    _add_files(digest, _files_in(folder))
    return digest.hexdigest()


# A stored version never changes (it is named by its hash), so its answer is kept: sync asks
# for every published item whose rendering changed, on every turn.
@lru_cache(maxsize=4096)
def stored_item_files_hash(state_dir: Path, vhash: str, item_id: str) -> str | None:
    """`item_files_hash` of a stored version's item; None when that copy is gone."""
    folder = version_dir(state_dir, vhash) / ITEMS_DIR / item_id
    return item_files_hash(folder) if folder.is_dir() else None


def account_files(root: Path) -> list[str]:
    """Paths (relative to the content root) of the files that `[accounts.options]` string values
    name: no channel knowledge needed, any option naming an existing file inside the root counts.
    Symlinks and anything outside the root are left out."""
    try:
        data = tomllib.loads((root / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    base = root.resolve()
    found: set[str] = set()
    for account in data.get("accounts") or []:
        options = account.get("options") if isinstance(account, dict) else None
        for value in (options or {}).values() if isinstance(options, dict) else ():
            if not isinstance(value, str) or not value or len(value) > 400 or "://" in value:
                continue
            path = root / value
            try:
                real = path.resolve()
                inside = real.is_relative_to(base) and path.is_file() and not path.is_symlink()
            except (OSError, ValueError):
                continue
            if inside and not Path(value).is_absolute():
                found.add(real.relative_to(base).as_posix())
    return sorted(found)


def version_hash(item: ContentItem) -> str:
    digest = hashlib.sha256()
    digest.update((item.root / CONFIG_NAME).read_bytes())
    _add_files(digest, _item_files(item))
    for name in account_files(item.root):
        digest.update(b"account-file\0" + name.encode() + b"\0")
        digest.update(hashlib.sha256((item.root / name).read_bytes()).digest())
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
    for name in account_files(item.root):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.root / name, target / name)
    # Copies, not hard links: an editor saving in place would otherwise rewrite the version too.
    for path in _item_files(item):
        shutil.copyfile(path, item_target / path.name)
    (target / ".complete").touch()
    return vhash


# Parsed matrices of stored versions, keyed by the digest of their publisher.toml. Every version
# planned from one matrix carries the same text, and a Matrix is a frozen model read from that
# text alone (it names no folder: account files are found through the item's root), so one
# parse serves them all (issue 17: TOML parse and validation were ~0.5 ms of every publication).
# Only successful parses are kept: an error's findings name the version's own path.
MATRICES_KEPT = 16
_matrices: OrderedDict[bytes, Matrix] = OrderedDict()
_matrices_lock = threading.Lock()


def _version_matrix(root: Path) -> Matrix:
    try:
        key = hashlib.sha256((root / CONFIG_NAME).read_bytes()).digest()
    except OSError:
        return load_matrix(root)  # says what is missing, with the path
    with _matrices_lock:
        matrix = _matrices.get(key)
        if matrix is not None:
            _matrices.move_to_end(key)
            return matrix
    matrix = load_matrix(root)
    with _matrices_lock:
        _matrices[key] = matrix
        while len(_matrices) > MATRICES_KEPT:
            _matrices.popitem(last=False)
    return matrix


def load_version(state_dir: Path, vhash: str, item_id: str) -> tuple[ContentItem, Matrix]:
    root = version_dir(state_dir, vhash)
    path = root / ITEMS_DIR / item_id / ITEM_FILE
    if not path.is_file():
        raise VersionMissing(f"找不到条目 {item_id} 的版本 {vhash[:10]}（状态目录可能被清理）")
    try:
        matrix = _version_matrix(root)
    except MatrixError as exc:
        raise VersionMissing(str(exc)) from None
    item, findings = load_item(path, root, matrix)
    if item is None:
        raise VersionMissing("; ".join(str(f) for f in findings))
    return item, matrix


def snapshot_cache(settings: Settings) -> Path:
    """Where sync and manual operations unpack the committed content they read."""
    return settings.state_dir / "snapshots"
