"""A stored version carries the files accounts' options name (an account's music or logo), so the
publish path renders from the version exactly what sync planned."""

from __future__ import annotations

from pathlib import Path

from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix
from publisher.content.versions import account_files, load_version, store_version, version_hash

MATRIX = """\
[[accounts]]
id = "acc"
name = "账号"
channel = "plugin"
[accounts.options]
music = "_media/theme.m4a"
logo = "_media/../_media/logo.png"
outside = "../secret.txt"
link = "_media/link.png"
folder = "_media"
url = "https://example.org/x.png"
missing = "_media/none.png"
"""


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    (root / "_media").mkdir(parents=True)
    (root / "_media" / "theme.m4a").write_bytes(b"music-1")
    (root / "_media" / "logo.png").write_bytes(b"logo")
    (tmp_path / "secret.txt").write_text("not for copying")
    (root / "_media" / "link.png").symlink_to(tmp_path / "secret.txt")
    (root / "publisher.toml").write_text(MATRIX, encoding="utf-8")
    folder = root / "items" / "2026" / "11" / "a"
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(
        "---\ntitle: 标题\nauthor: 作者\ndepartment: 办公室\npublish_at: 2026-11-20 09:00\n---\n\n正文。\n",
        encoding="utf-8",
    )
    return root


def load(root: Path):
    matrix = load_matrix(root)
    item, findings = load_item(root / "items" / "2026" / "11" / "a" / "index.md", root, matrix)
    assert item is not None, findings
    return item


def test_only_existing_regular_files_inside_the_root_count(tmp_path):
    root = repo(tmp_path)
    assert account_files(root) == ["_media/logo.png", "_media/theme.m4a"]


def test_version_copies_them_and_their_bytes_change_the_hash(tmp_path):
    root = repo(tmp_path)
    item = load(root)
    first = version_hash(item)
    vhash = store_version(item, tmp_path / "state")
    assert vhash == first
    copy = tmp_path / "state" / "versions" / vhash
    assert (copy / "_media" / "theme.m4a").read_bytes() == b"music-1"
    assert (copy / "_media" / "logo.png").read_bytes() == b"logo"
    assert not (copy / "_media" / "link.png").exists() and not (copy.parent / "secret.txt").exists()
    stored, _ = load_version(tmp_path / "state", vhash, "2026/11/a")
    assert (stored.root / "_media" / "theme.m4a").read_bytes() == b"music-1"
    (root / "_media" / "theme.m4a").write_bytes(b"music-2")
    assert version_hash(load(root)) != first  # new music: a new version, planned again
