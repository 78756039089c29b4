"""公文 house style corpus: dates, counts, punctuation and thousands separators, each with what
the check says and what `--fix` makes of it; round trips through the real CLI on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.checks.context import CheckContext
from publisher.checks.typography import check_typography, fixed_markdown, markdown_edits
from publisher.cli import app
from publisher.content.matrix import Matrix, TypographyStyle

from .conftest import item_text

# (written, house style) — every line a sentence an office would really publish.
CORPUS = [
    # dates
    ("9 月 26 日召开会议。", "9月26日召开会议。"),
    ("报名截至 2026 年 12 月 31 日。", "报名截至2026年12月31日。"),
    ("滨江市数据管理局\n2026 年 11 月 6 日", "滨江市数据管理局\n2026年11月6日"),
    ("会议于 10:30 在三楼召开。", "会议于10:30在三楼召开。"),
    # counts
    ("开放 12 个领域的 300 余个数据集。", "开放12个领域的300余个数据集。"),
    ("同比增长 5% 。", "同比增长5%。"),
    ("第 3 季度共办理 1.5 万件。", "第3季度共办理1.5万件。"),
    # punctuation
    ("共 3600 余项;其中:政务数据 2000 项。", "共3600余项；其中：政务数据2000项。"),
    ("各单位要高度重视,认真组织!", "各单位要高度重视，认真组织！"),
    ("是否需要备案?请咨询。", "是否需要备案？请咨询。"),
    ("《办法》(试行)自发布之日起施行。", "《办法》（试行）自发布之日起施行。"),
    ("数据 (试行) 管理办法", "数据（试行）管理办法"),
    ("(一)工作目标", "（一）工作目标"),
    ("联系电话:0571-12345678", "联系电话：0571-12345678"),
    # thousands separators in running text
    ("共受理 3,600 余项申请。", "共受理3600余项申请。"),
    ("累计调用 1,234,567 次。", "累计调用1234567次。"),
]

UNCHANGED = [
    "2026年11月20日，增长5%以上，第1季度。",
    "| 指标 | 第一季度 |\n| --- | ---: |\n| 数据调用量（万次） | 5,860 |",  # tables keep separators
    "访问 https://www.gov.cn/zhengce,abc 查看。",
    "```\n共 3,600 项;x = f(a)\n```",
    "见[通知](https://example.gov.cn/a(1).html)。",
    "行内代码`a; b (c)`保持。",
    "1. 加强组织领导",
    "English only; (not touched): 1,000.",
]


@pytest.mark.parametrize("written,expected", CORPUS)
def test_house_style_corpus_fixes_and_fixed_text_checks_clean(written, expected):
    assert markdown_edits(written), written
    fixed = fixed_markdown(written)
    assert fixed == expected
    assert markdown_edits(fixed) == []
    assert fixed_markdown(fixed) == fixed


@pytest.mark.parametrize("text", UNCHANGED)
def test_house_style_leaves_correct_text_tables_code_and_urls_alone(text):
    assert fixed_markdown(text) == text


def findings_for(make_item, body: str, matrix: Matrix | None = None):
    item = make_item(item_text(body=body))
    return check_typography(item, CheckContext.build(matrix or Matrix()))


def test_each_finding_names_the_exact_character_and_the_fragment(make_item):
    found = findings_for(make_item, "今年以来，全市累计开放公共数据集，共 3600 余项;其中:政务数据占比过半，社会数据持续增长。\n")
    by_code = {}
    for f in found:
        by_code.setdefault(f.code, []).append(f)
    (spacing,) = by_code["typography-number-spacing"]
    assert "“共 3600 余”应写作“共3600余”" in spacing.message
    punctuation = by_code["typography-punctuation"]
    assert len(punctuation) == 1
    assert "“;”、“:”应改为“；”、“：”" in punctuation[0].message
    for f in found:
        assert "全市累计开放公共数据集" not in f.suggestion or f.suggestion.startswith("…")
        assert len(f.suggestion) < 30, f.suggestion  # a fragment, not the paragraph
        assert f.line == 18 and f.col is not None
    assert "3600余项；其中：政务" in punctuation[0].suggestion


def test_thousands_and_colon_are_named_not_a_comma(make_item):
    found = findings_for(make_item, "共受理 3,600 余项。\n\n联系人:张三\n")
    messages = {f.code: f.message for f in found}
    assert "“3,600”应改为“3600”" in messages["typography-thousands"]
    assert "“:”应改为“：”" in messages["typography-punctuation"]
    assert "“,”" not in messages["typography-punctuation"]


def test_front_matter_findings_name_the_field(make_item):
    item = make_item(item_text().replace("title: 测试条目", "title: 2026 年数据工作要点;征求意见"))
    found = check_typography(item, CheckContext.build(Matrix()))
    assert found and all("在头信息 标题 title 中，请手动修改" in f.message for f in found)
    assert {f.line for f in found} == {2}


def test_rules_are_configurable_per_repo(make_item):
    body = "共 3,600 余项(含 AI应用)。\n"
    loose = Matrix.model_validate({"typography": {
        "space_between_chinese_and_numbers": True, "thousands_separators": True,
        "fullwidth_brackets": False, "space_between_chinese_and_latin": False,
    }})
    style = loose.typography
    assert fixed_markdown(body, style) == body
    assert findings_for(make_item, body, loose) == []
    assert fixed_markdown(body) == "共3600余项（含 AI 应用）。\n"
    assert fixed_markdown("共3600余项。", TypographyStyle(space_between_chinese_and_numbers=True)) == "共 3600 余项。"


def test_fix_round_trip_through_the_cli(tmp_path: Path):
    root = tmp_path / "content"
    (root / "items/2026/11/notice").mkdir(parents=True)
    (root / "publisher.toml").write_text('timezone = "Asia/Shanghai"\n', "utf-8")
    body = "\n".join(written for written, _ in CORPUS) + "\n\n" + "\n\n".join(UNCHANGED) + "\n"
    expected = "\n".join(fixed for _, fixed in CORPUS) + "\n\n" + "\n\n".join(UNCHANGED) + "\n"
    path = root / "items/2026/11/notice/index.md"
    head = item_text(body="").replace("title: 测试条目", "title: 2026 年工作要点")
    path.write_text(head + body, "utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["check", str(root), "--fix", "--format", "json"])
    data = json.loads(first.output)
    assert data["fixed"] == ["items/2026/11/notice/index.md"]
    text = path.read_text("utf-8")
    assert text.endswith(expected)
    assert "title: 2026 年工作要点" in text  # the front matter is the editor's: reported, not rewritten
    assert [f["code"] for f in data["findings"] if f["code"].startswith("typography")] == ["typography-number-spacing"]
    second = runner.invoke(app, ["check", str(root), "--fix", "--format", "json"])
    assert json.loads(second.output)["fixed"] == []
    assert path.read_text("utf-8") == text


def test_repo_style_reaches_fix_through_publisher_toml(tmp_path: Path):
    root = tmp_path / "content"
    (root / "items/2026/11/a").mkdir(parents=True)
    (root / "publisher.toml").write_text("[typography]\nspace_between_chinese_and_numbers = true\n\n[review]\nverify = \"none\"\n", "utf-8")
    path = root / "items/2026/11/a/index.md"
    path.write_text(item_text(body="共3600余项。\n"), "utf-8")
    result = CliRunner().invoke(app, ["check", str(root), "--fix"])
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8").endswith("共 3600 余项。\n")
