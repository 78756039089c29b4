"""The compiled Markdown engine renders what the reference engine (markdown-it-py) renders: the
same HTML before sanitising and the same plain text, on every body of the test fixtures, the
docs and the constructs editors write; bodies it cannot render the same way go to the reference
engine (notice blocks, inputs markdown-it-pyrs panics on)."""

from __future__ import annotations

import pytest

from publisher.render import compiled_markdown
from publisher.render import markdown as md
from tests.markdown_corpus import repo_markdown

CONSTRUCTS = [
    "# 标题\n\n正文**加粗**与*强调*，~~删除~~。\n第二行\n",
    "Setext 标题\n===\n\n段落  \n硬换行\n",
    "| 指标 | 数值 |\n| :--- | ---: |\n| 数据目录 | 3,600 项 |\n| 开放数据集 | 480 个 |\n",
    "见说明[^1]，另见[^note]。\n\n[^1]: 第一条注释。\n[^note]: 第二条 *注释*。\n",
    "- 第一项\n- 第二项 [链接](https://www.example.gov.cn/a?b=1&c=2)\n\n1. 甲\n2. 乙\n\n   松散的段落\n",
    "> 引用\n> 第二行\n\n---\n\n![会场](venue.jpg \"标题\")\n",
    "<div class=\"x\">原始 HTML</div>\n\n<script>alert(1)</script>\n\n段落 <b>粗</b> &amp; &copy; &#1;\n",
    "<http://example.com> 与 https://example.com 和 \\*转义\\*\n",
    "    缩进代码\n\n```\n围栏代码\n```\n",
    "",
]


def _reference_html(text: str) -> str:
    parser = md._parser()
    return parser.renderer.render(md._keep_notice_lines(parser.parse(text)), parser.options, {})


def _reference_plain(text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(compiled_markdown, "plain_text", lambda _text: None)
        md.plain_text.cache_clear()
        try:
            return md.plain_text(text)
        finally:
            md.plain_text.cache_clear()


def _bodies() -> list[str]:
    return repo_markdown(("tests", "docs")) + CONSTRUCTS


def test_compiled_engine_matches_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = _bodies()
    taken = [text for text in bodies if compiled_markdown.takes(text)]
    assert len(taken) > 0.8 * len(bodies)  # the fast path is the common one
    for text in taken:
        assert compiled_markdown.render(text) == _reference_html(text), text[:200]
        assert compiled_markdown.plain_text(text) == _reference_plain(text, monkeypatch), text[:200]


@pytest.mark.parametrize("text", [
    "[`代码\n", "^[\n", "正文^[行内注释]\n",  # markdown-it-pyrs 0.4 panics on these
    "::: 落款\n滨江市数据管理局\n2026年11月6日\n:::\n",  # no container rule in the compiled engine
    "引用[^1]两次[^1]\n\n[^1]: 注\n",  # the reference engine numbers the second reference 1:1
    "末尾没有换行 <div>",
    "> " * 21 + "引用\n",  # nesting past the reference engine's limit of 20 levels
    "\n".join("  " * i + "- 项" for i in range(30)) + "\n",
    "[" * 21 + "x" + "](y)" * 21 + "\n",
])
def test_bodies_the_compiled_engine_does_not_take_go_to_the_reference(text: str) -> None:
    assert not compiled_markdown.takes(text)
    assert compiled_markdown.render(text) is None
    md._html.cache_clear()
    assert md._html(text) == _reference_html(text)


def test_a_panic_in_the_compiled_engine_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # The screen in `takes` is what keeps known panics away; this is the net behind it.
    monkeypatch.setattr(compiled_markdown, "takes", lambda _text: True)
    assert compiled_markdown.render("[`x\n") is None
    assert compiled_markdown.plain_text("[`x\n") is None
    md._html.cache_clear()
    assert md._html("[`x\n") == _reference_html("[`x\n") == "<p>[`x</p>\n"


def test_notice_blocks_keep_their_lines() -> None:
    md._html.cache_clear()
    html = md.render_body("正文。\n\n::: 落款\n滨江市数据管理局\n2026年11月6日\n:::\n").html
    assert '<section class="notice-' in html
    assert "滨江市数据管理局<br />" in html or "滨江市数据管理局<br>" in html
