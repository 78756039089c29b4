"""Script: Traditional characters on Simplified accounts (OpenCC t2s), and `check --fix`."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from publisher.checks.context import CheckContext
from publisher.checks.script import check_script, traditional_spans
from publisher.cli import app
from publisher.content.matrix import Matrix

from .conftest import item_text

SAMPLE = Path(__file__).resolve().parents[2] / "content"
MATRIX = Matrix.model_validate({"accounts": [
    {"id": "portal", "name": "门户网站", "channel": "site"},
    {"id": "hk-weibo", "name": "港澳微博", "channel": "weibo", "script": "繁体", "default": False},
]})


def test_spans_are_phrase_aware():
    text = "後續工作，乾隆年間，乾燥天氣"
    assert [(text[a:b], new) for a, b, new in traditional_spans(text)] == [
        ("後續", "后续"), ("間", "间"), ("乾", "干"), ("氣", "气"),
    ]


def test_warning_with_the_converted_line_as_suggestion(make_item):
    item = make_item(item_text(body="第一段。\n會議強調數據安全。\n"), MATRIX)
    (hit,) = check_script(item, CheckContext.build(MATRIX))
    assert (hit.code, str(hit.severity), hit.line, hit.col) == ("script-traditional", "warning", 19, 1)
    assert hit.suggestion == "会议强调数据安全。"
    assert "會議" in hit.message and "门户网站" in hit.message


def test_traditional_account_is_not_checked(make_item):
    text = item_text(body="會議強調數據安全。\n", extra="targets:\n  weibo:\n    accounts:\n      - hk-weibo\n")
    assert check_script(make_item(text, MATRIX), CheckContext.build(MATRIX)) == []


def test_per_channel_text_is_checked_only_for_simplified_targets(make_item):
    extra = "targets:\n  site:\n  weibo:\n    accounts:\n      - hk-weibo\n    text: 港澳會議\n"
    assert check_script(make_item(item_text(extra=extra), MATRIX), CheckContext.build(MATRIX)) == []


def test_script_aliases_in_publisher_toml():
    matrix = Matrix.model_validate({"accounts": [
        {"id": "a", "name": "A", "channel": "site", "script": "zh-Hant"},
        {"id": "b", "name": "B", "channel": "site", "script": "simplified"},
    ]})
    assert [a.script for a in matrix.accounts] == ["繁体", "简体"]


def test_check_fix_converts_reader_texts_and_keeps_sign_off_names(tmp_path: Path):
    root = tmp_path / "content"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".git"))
    path = root / "items/2026/11/q3-statistics/index.md"
    original = path.read_text(encoding="utf-8")
    edited = original.replace("title: 前三季度", "title: 前三季度數據", 1).replace("    by: ", "    by: 趙", 1)
    path.write_text(edited + "\n後續工作將持續推進。\n", encoding="utf-8")
    runner = CliRunner()
    before = runner.invoke(app, ["check", str(root / "items/2026/11/q3-statistics")])
    assert before.output.count("[script-traditional]") == 2
    fixed = runner.invoke(app, ["check", "--fix", str(root / "items/2026/11/q3-statistics")])
    assert "繁体字转为简体" in fixed.output and "[script-traditional]" not in fixed.output
    text = path.read_text(encoding="utf-8")
    assert "title: 前三季度数据" in text and "后续工作将持续推进。" in text
    assert "    by: 趙" in text  # a sign-off names a person as written: never rewritten
    again = runner.invoke(app, ["check", "--fix", str(root / "items/2026/11/q3-statistics")])
    assert "没有需要自动修正的内容" in again.output
