"""The incremental preview (`publisher site build --preview`, publisher.cli.site_preview): the same
pages as checking every item and then building (publisher.publish.website.build_preview), and a
remembered verdict is never trusted once the item, the matrix or the code it depends on changed."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from publish_fixtures import SIGNED_REVIEW, SITE_ONLY_MATRIX

from publisher.cli import site_preview as checked
from publisher.cli.site_preview import build_checked_preview
from publisher.content.matrix import load_matrix
from publisher.publish.website import build_preview
from publisher.settings import Settings

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)

MATRIX = SITE_ONLY_MATRIX + """
[words]
secret_markers = ["绝密★"]
sensitive = [{ word = "XXX", severity = "error" }%s]
"""

SIGNED = SIGNED_REVIEW
UNSIGNED = """\
review:
  - {stage: 初审, by: 周敏, at: "2026-11-01 09:00"}
"""


def item(title: str, publish_at: datetime, *, review: str = SIGNED, body: str = "会议强调，要扎实推进各项工作。") -> str:
    return (f'---\ntitle: "{title}"\nauthor: 测试作者\ndepartment: 办公室\n'
            f'publish_at: "{publish_at:%Y-%m-%d %H:%M}"\n{review}---\n\n{body}\n')


def write(root: Path, item_id: str, text: str) -> None:
    folder = root / "items" / item_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.md").write_text(text, encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def articles(folder: Path) -> set[str]:
    return {p.stem for p in folder.rglob("item-*.html")}


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text(MATRIX % "", encoding="utf-8")
    past = NOW - timedelta(days=2)
    write(root, "2026/11/item-good", item("正常稿件", past))
    write(root, "2026/11/item-kept", item("另一篇正常稿件", past, body="今年的工作要点已经确定。"))
    write(root, "2026/11/item-unsigned", item("缺少签发的稿件", past, review=UNSIGNED))
    write(root, "2026/11/item-secret", item("含密级标志的稿件", past, body="本文件为绝密★长期，请妥善保管。"))
    write(root, "2026/11/item-future", item("定时稿件", NOW + timedelta(days=3)))
    (root / "items/2026/11/item-broken").mkdir(parents=True)
    (root / "items/2026/11/item-broken/index.md").write_text("---\ntitle: [未闭合\n---\n正文\n", encoding="utf-8")
    settings = Settings(state_dir=tmp_path / "state")
    return root, settings, tmp_path


def full_check_then_build(root: Path, settings: Settings, out: Path):
    return build_preview(root, load_matrix(root), settings, out=out, now=NOW, workers=1)


def same_as_full_check(root: Path, settings: Settings, built, tmp: Path, name: str) -> None:
    expected = full_check_then_build(root, settings, tmp / name)
    assert tree(built.folder) == tree(expected.folder)
    assert (built.blocked, built.live) == (expected.blocked, expected.live)


@pytest.mark.parametrize("workers", [1, 2])
def test_preview_is_the_checked_build_and_rechecks_only_what_changed(workspace, workers, monkeypatch):
    root, settings, tmp = workspace
    monkeypatch.setattr("channels.site.builder.PARALLEL_MIN", 1)  # the pool path with a handful of items
    out = tmp / "preview"

    def build():
        return build_checked_preview(root, load_matrix(root), settings, out=out, now=NOW, workers=workers)

    first = build()
    assert articles(out) == {"item-good", "item-kept"}
    assert (first.blocked, first.live, first.report.rendered) == (3, 3, 6)
    same_as_full_check(root, settings, first, tmp, "full-1")

    again = build()
    assert again.report.rendered == 0 and again.report.written == [] and again.blocked == 3

    # An edit that fails a check takes the page off; fixing another item's sign-offs brings it on.
    write(root, "2026/11/item-good", item("正常稿件", NOW - timedelta(days=2), body="本文件为绝密★长期。"))
    write(root, "2026/11/item-unsigned", item("缺少签发的稿件", NOW - timedelta(days=2)))
    edited = build()
    assert edited.report.rendered == 2
    assert articles(out) == {"item-kept", "item-unsigned"}
    assert "2026/11/item-good.html" not in " ".join(edited.report.written)
    same_as_full_check(root, settings, edited, tmp, "full-2")

    # The matrix changed, no item file did: every verdict is made again.
    (root / "publisher.toml").write_text(MATRIX % ', { word = "工作要点", severity = "error" }', encoding="utf-8")
    rewordered = build()
    assert rewordered.report.rendered == 6
    assert articles(out) == {"item-unsigned"}
    same_as_full_check(root, settings, rewordered, tmp, "full-3")


def test_a_remembered_verdict_depends_on_the_code_and_remote_pictures_are_never_remembered(workspace, monkeypatch):
    root, settings, tmp = workspace
    matrix = load_matrix(root)
    key = checked.gate_key(root, matrix, settings)
    assert checked.gate_key(root, matrix, settings) == key
    source = Path(checked.__file__)
    stat = source.stat()
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        assert checked.gate_key(root, matrix, settings) != key
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    remote = Settings(state_dir=tmp / "state", allow_remote_images=True)
    assert checked.gate_key(root, matrix, remote) != checked.gate_key(root, matrix, remote)


def test_the_code_signature_is_the_same_through_a_symlinked_venv(tmp_path):
    import subprocess
    import sys

    link = tmp_path / "venv"
    link.symlink_to(Path(sys.prefix).resolve())
    code = "from publisher.cli.site_preview import code_signature; print(hash(repr(code_signature())))"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    direct = subprocess.run([str(Path(sys.prefix).resolve() / "bin" / "python"), "-c", code], capture_output=True,
                            text=True, env=env, check=True).stdout
    linked = subprocess.run([str(link / "bin" / "python"), "-c", code], capture_output=True, text=True, env=env,
                            check=True).stdout
    assert direct == linked


def test_a_build_worker_checks_and_renders_without_importing_the_settings(workspace, monkeypatch):
    """A worker gets the job (matrix, gate) once and checks every item with it: pydantic-settings
    and what it pulls in (≈ 16 MB and 0.1 s per worker process) have no use there."""
    import pickle
    import subprocess
    import sys

    from channels.site import builder

    root, settings, tmp = workspace
    taken: list = []
    real = builder._render_all

    def taking(job, todo, workers):
        taken.append((job, todo))
        return real(job, todo, workers)

    monkeypatch.setattr(builder, "_render_all", taking)
    build_checked_preview(root, load_matrix(root), settings, out=tmp / "preview", now=NOW, workers=1)
    job, todo = taken[0]
    (tmp / "job.pickle").write_bytes(pickle.dumps((job, todo)))
    code = ("import pickle, sys\nfrom channels.site import builder\n"
            f"job, todo = pickle.loads(open({str(tmp / 'job.pickle')!r}, 'rb').read())\n"
            "builder._init_worker(job)\ndone = builder._render_chunk_in_worker(todo)\n"
            "print(sum(1 for _, r in done if r.get('rendered')), sum(1 for _, r in done if r.get('blocked')),"
            " sorted(m for m in ('publisher.settings', 'pydantic_settings') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "3", "[]"]
