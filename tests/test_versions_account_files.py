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


def test_versions_with_the_same_matrix_share_one_parse_and_keep_their_own_root(tmp_path):
    root = repo(tmp_path)
    first = store_version(load(root), tmp_path / "state")
    (root / "items" / "2026" / "11" / "a" / "index.md").write_text(
        "---\ntitle: 改过的标题\nauthor: 作者\ndepartment: 办公室\npublish_at: 2026-11-20 09:00\n---\n\n正文。\n",
        encoding="utf-8",
    )
    second = store_version(load(root), tmp_path / "state")
    (root / "publisher.toml").write_text(MATRIX.replace('name = "账号"', 'name = "另一个账号"'), encoding="utf-8")
    third = store_version(load(root), tmp_path / "state")
    assert len({first, second, third}) == 3
    item1, matrix1 = load_version(tmp_path / "state", first, "2026/11/a")
    item2, matrix2 = load_version(tmp_path / "state", second, "2026/11/a")
    _, matrix3 = load_version(tmp_path / "state", third, "2026/11/a")
    assert matrix2 is matrix1  # same publisher.toml: parsed once
    assert matrix3 is not matrix1 and matrix3.accounts[0].name == "另一个账号"
    # each item still reads its files (an account's music) from its own version's folder
    assert item1.root.name == first and item2.root.name == second
    assert item2.meta.title == "改过的标题"
