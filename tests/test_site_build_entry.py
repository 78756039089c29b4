"""`publisher site build`'s light entry (publisher/cli/site_build.py): plain invocations run
without Typer, Rich or the other commands and print what the Typer command prints; anything else
goes to the full app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from publish_fixtures import SIGNED_REVIEW, SITE_ONLY_MATRIX
from typer.testing import CliRunner

from publisher.cli import app
from publisher.cli.site_build import BuildOptions, parse

REPO = Path(__file__).resolve().parents[1]
FIXTURE_ROOT = REPO / "tests" / "fixtures" / "site_content"


def test_parse_takes_plain_options_in_any_form():
    assert parse([]) == BuildOptions()
    assert parse(["--preview", "-o", "www", "--content=c", "-j2", "--now", "2026-12-01 09:00"]) == BuildOptions(
        out=Path("www"), content=Path("c"), workers=2, now="2026-12-01 09:00", preview=True)
    assert parse(["--out=a", "--out", "b", "--workers", "3", "--deploy", "--no-deploy"]) == BuildOptions(
        out=Path("b"), workers=3)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--bogus"], ["-j", "0"], ["-j", "two"], ["--out"],
                                  ["--out="], ["--", "x"], ["extra"]])
def test_parse_leaves_everything_else_to_the_full_app(args):
    assert parse(args) is None


def _light(args: list[str], env: dict) -> subprocess.CompletedProcess:
    code = ("import sys; from publisher.cli import main; sys.argv = ['publisher', *sys.argv[1:]]\n"
            "try:\n    main()\nfinally:\n"
            "    print('loaded:', sorted(m for m in ('typer', 'rich', 'click', 'publisher.cli.commands') if m in sys.modules),"
            " file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)


def test_light_entry_prints_what_the_command_prints_without_loading_the_cli(tmp_path, monkeypatch):
    import os
    import shutil

    root = shutil.copytree(FIXTURE_ROOT, tmp_path / "content")
    env = {**os.environ, "PUBLISHER_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": str(REPO)}
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    args = ["site", "build", "--preview", "--content", str(root), "--out", str(tmp_path / "www"), "--now",
            "2026-12-01 09:00", "-j", "1"]
    first = _light(args, env)
    assert first.returncode == 0, first.stderr
    assert "loaded: []" in first.stderr
    assert "警告：" in first.stderr and "个条目未通过检查" in first.stderr
    again = _light(args, env)
    full = CliRunner().invoke(app, args)
    assert full.exit_code == 0, full.output

    def words(text: str) -> str:
        return text.split("；用时")[0]

    assert words(again.stdout) == words(full.stdout) and "写入 0 个文件" in again.stdout
    # Help and refusals are the full app's.
    helped = _light(["site", "build", "--help"], env)
    assert helped.returncode == 0 and "用法" in helped.stdout and "'typer'" in helped.stderr
    refused = _light([*args[:-2], "-j", "0"], env)
    assert refused.returncode == 2 and "不小于 1" in refused.stderr


# -- the no-op stamp ---------------------------------------------------------------------------

MATRIX = SITE_ONLY_MATRIX

SIGNED = SIGNED_REVIEW


@pytest.fixture
def preview(tmp_path, monkeypatch):
    """A small content repo whose items pass every check, and a way to run the light entry
    in-process: returns (stdout, whether a build ran)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from publisher.cli import site_preview

    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text(MATRIX, encoding="utf-8")
    past = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)
    for name, title in (("one", "一"), ("two", "二")):
        folder = root / "items" / "2026" / name
        folder.mkdir(parents=True)
        (folder / "index.md").write_text(
            f'---\ntitle: "稿件{title}"\nauthor: 作者\ndepartment: 办公室\npublish_at: "{past:%Y-%m-%d %H:%M}"\n'
            f"{SIGNED}---\n\n会议强调，要扎实推进各项工作。\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.upper().startswith("PUBLISHER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    builds = []
    real = site_preview.build_checked_preview

    def counting(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(site_preview, "build_checked_preview", counting)
    out = tmp_path / "www"

    def run(capsys, *extra: str) -> tuple[str, bool]:
        before = len(builds)
        code = light_entry(["site", "build", "--preview", "--content", str(root), "--out", str(out), "-j", "1", *extra])
        assert code == 0
        return capsys.readouterr().out.split("；用时")[0], len(builds) > before

    return root, out, run


import os  # noqa: E402

from publisher.cli.site_build import light_entry  # noqa: E402


def test_a_preview_with_nothing_changed_prints_the_same_report_without_building(preview, capsys):
    root, out, run = preview
    first, built = run(capsys)
    assert built and "写入 0 个文件" not in first
    same, built = run(capsys)
    assert not built and "写入 0 个文件" in same
    (out.parent / f".{out.name}.preview-stamp").unlink()
    real_noop, built = run(capsys)
    assert built and real_noop == same


def test_every_input_and_the_output_defeat_the_stamp(preview, capsys, monkeypatch, tmp_path):
    import time
    from datetime import datetime
    from zoneinfo import ZoneInfo

    def shanghai(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, ZoneInfo("Asia/Shanghai"))

    root, out, run = preview
    run(capsys)
    page = next(out.rglob("one.html"))
    steps = [
        lambda: (root / "items/2026/one/index.md").write_text(
            (root / "items/2026/one/index.md").read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8"),
        lambda: (root / "items/2026/two/photo-notes.txt").write_text("说明", encoding="utf-8"),
        lambda: (root / "items/2026/three").mkdir(),
        lambda: page.unlink(),
        lambda: (root / "publisher.toml").write_text(
            (root / "publisher.toml").read_text(encoding="utf-8") + "\n# 注释\n", encoding="utf-8"),
        lambda: monkeypatch.setenv("PUBLISHER_ALLOW_REMOTE_IMAGES", "false"),
    ]
    for step in steps:
        assert not run(capsys)[1]  # stamped
        step()
        assert run(capsys)[1]  # built again
    assert page.is_file()  # the deleted page is back
    # An item that comes due: its publish_at is the stamp's next change.
    soon = time.time() + 3600
    folder = root / "items/2026/later"
    folder.mkdir()
    (folder / "index.md").write_text(
        f'---\ntitle: "定时稿件"\nauthor: 作者\ndepartment: 办公室\npublish_at: "{shanghai(soon + 60):%Y-%m-%d %H:%M}"\n'
        f"{SIGNED}---\n\n正文。\n", encoding="utf-8")
    assert run(capsys)[1]
    assert not run(capsys)[1]
    monkeypatch.setattr(time, "time", lambda: soon + 3600 * 24)
    assert run(capsys)[1]


def test_an_edit_that_keeps_size_and_mtime_is_still_noticed(preview, capsys):
    # touch -d, rsync -t or an unpacked archive can put the old mtime back on a same-size edit;
    # the file's ctime still moves, and both the stamp and the build's scan compare it.
    root, out, run = preview
    run(capsys)
    page = next(out.rglob("one.html"))
    source = root / "items/2026/one/index.md"
    before = source.stat()
    text = source.read_text(encoding="utf-8")
    edited = text.replace("扎实推进", "稳步推进")
    assert edited != text and len(edited.encode()) == len(text.encode())
    source.write_text(edited, encoding="utf-8")
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert source.stat().st_mtime_ns == before.st_mtime_ns and source.stat().st_size == before.st_size
    assert run(capsys)[1]  # not answered from the stamp
    assert "稳步推进" in page.read_text(encoding="utf-8")
