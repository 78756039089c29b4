"""`publisher site build`'s light entry (publisher/cli/site_build.py): plain invocations run
without Typer, Rich or the other commands and print what the Typer command prints; anything else
goes to the full app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
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
