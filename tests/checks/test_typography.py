from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.typography import check_typography, fixed_markdown, markdown_edits
from publisher.content.matrix import Matrix

from .conftest import item_text


def test_house_style_keeps_numbers_next_to_chinese():
    text = "2026年11月20日，增长5%以上，第1季度。\n"
    assert markdown_edits(text) == []


def test_kinds_columns_and_suggestion(make_item):
    item = make_item(item_text(body="市民可通过APP办理,数字１２３也可以。\n"))
    found = check_typography(item, CheckContext.build(Matrix()))
    by_code = {f.code: f for f in found}
    assert set(by_code) == {"typography-spacing", "typography-punctuation", "typography-fullwidth"}
    body_line = 18
    assert by_code["typography-spacing"].line == body_line and by_code["typography-spacing"].col == 6
    assert by_code["typography-punctuation"].col == 11
    assert by_code["typography-fullwidth"].col == 14
    # Each finding names its own characters and suggests the fragment around them, not the line.
    assert "“过APP办”应写作“过 APP 办”" in by_code["typography-spacing"].message
    assert "“,”应改为“，”" in by_code["typography-punctuation"].message
    assert "“１２３”应改为“123”" in by_code["typography-fullwidth"].message
    suggestion = by_code["typography-punctuation"].suggestion
    assert "办理，数字" in suggestion and suggestion.endswith("…") and "可以。" not in suggestion


def test_code_urls_links_and_html_addresses_are_never_changed():
    text = (
        "```python\nx = \"中文,english\"\n```\n\n"
        "    缩进代码English\n\n"
        "见[链接English](http://x.cn/中文,a)与![图](中文,a.png)，`中文,x`。\n\n"
        "<img src=\"中文,a.png\" alt=\"说明\">\n\n"
        "访问 https://www.gov.cn/zhengce,abc 查看。\n"
    )
    fixed = fixed_markdown(text)
    for kept in ('x = "中文,english"', "http://x.cn/中文,a", "(中文,a.png)", "`中文,x`",
                 'src="中文,a.png"', "https://www.gov.cn/zhengce,abc"):
        assert kept in fixed
    assert "[链接 English]" in fixed


def test_fix_is_idempotent_and_the_fixed_text_checks_clean():
    text = "第一段English内容,有问题。\n\n- 列表项A股\n\n> 引用Word文档\n"
    fixed = fixed_markdown(text)
    assert fixed != text
    assert markdown_edits(fixed) == []
    assert fixed_markdown(fixed) == fixed


def test_title_is_checked_but_left_for_the_editor(make_item):
    item = make_item(item_text().replace("title: 测试条目", "title: 全市5G基站建设English进展"))
    hits = check_typography(item, CheckContext.build(Matrix()))
    assert [(hit.code, hit.line) for hit in hits] == [("typography-spacing", 2)] * 2
    assert all("标题 title" in hit.message and "手动" in hit.message for hit in hits)
    assert "“设English进”应写作“设 English 进”" in hits[1].message
