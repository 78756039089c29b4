"""Template placeholders: built-in rules, and the [placeholders] table of publisher.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.checks.context import CheckContext
from publisher.checks.placeholders import PlaceholderMatcher, check_placeholders
from publisher.content.matrix import Matrix, MatrixError, PlaceholderRules, load_matrix

from .conftest import item_text


def _shown(text: str, rules: PlaceholderRules | None = None) -> list[str]:
    return [text[a:b] for a, b in PlaceholderMatcher.build(rules or PlaceholderRules()).spans(text)]


@pytest.mark.parametrize(("text", "shown"), [
    ("XX同志讲话", ["XX"]), ("ＸＸ同志", ["ＸＸ"]), ("××局", ["××"]), ("○○街道", ["○○"]),
    ("20xx年工作要点", ["20xx年"]), ("会议于x月x日召开", ["x月x日"]), ("【此处插入图片】", ["【此处插入图片】"]),
    ("时间（待补充）", ["（待补充）"]), ("TODO 核对", ["TODO"]), ("第X届大赛", ["第X届"]),
])
def test_builtin_placeholders_are_named(text, shown):
    assert _shown(text) == shown


@pytest.mark.parametrize("text", [
    "X光机", "XML格式", "Windows XP系统", "iPhone X发布", "x86架构", "20世纪80年代", "二〇〇八年", "12×8米",
    "XXL码", "https://www.gov.cn/xxgk/", "张某某", "有待完善",
])
def test_ordinary_words_are_not_placeholders(text):
    assert _shown(text) == []


def test_extra_and_allow_from_the_matrix(make_item):
    matrix = Matrix.model_validate({"placeholders": {"extra": ["某某单位"], "allow": ["XX公司"]}})
    body = "某某单位和XX公司联合举办，XX同志出席。\n"
    found = check_placeholders(make_item(item_text(body=body), matrix), CheckContext.build(matrix))
    assert [(f.message.split("“")[1].split("”")[0], f.line, f.col) for f in found] == [
        ("某某单位", 18, 1), ("XX", 18, 15),
    ]


def test_patterns_replace_the_builtin_list():
    rules = PlaceholderRules(patterns=["待定"])
    assert _shown("XX同志，时间待定", rules) == ["待定"]


def test_a_broken_rule_is_a_config_error_with_its_line(tmp_path: Path):
    (tmp_path / "publisher.toml").write_text('[placeholders]\nextra = ["(未闭合"]\n', encoding="utf-8")
    with pytest.raises(MatrixError) as caught:
        load_matrix(tmp_path)
    (problem,) = caught.value.findings
    assert "不是有效的正则表达式" in problem.message and problem.line == 2
