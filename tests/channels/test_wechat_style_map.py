"""The WeChat theme in one pass (channels.wechat.style_map) gives the bytes of the two passes it
stands for (css-inline, then nh3): on every body of the tests, the docs and the sample content, on
seeded mixes of every Markdown construct, in both themes; markup a parser would rebuild and themes
with other selectors take the two passes; each element shape is asked of css-inline once."""

from __future__ import annotations

import random

import pytest

from channels.wechat import render as wechat_render
from channels.wechat import theme
from channels.wechat.style_map import StyleMap, simple_theme, styled
from publisher.render.markdown import render_body
from tests.markdown_corpus import repo_markdown

BLOCKS = [
    "普通段落，含 **加粗**、*强调*、~~删除~~、`代码` 与&nbsp;不换行空格 & 符号 < > \"引号\" '单引号'。",
    "## 二级标题\n\n### 三级 *标题*\n\n#### 四级\n\n##### 五级\n\n###### 六级\n\n# 一级",
    "> 引用段落\n>\n> - 引用中的列表\n> - 第二项\n>\n> > 嵌套引用",
    "1. 第一\n2. 第二\n   - 嵌套 **项**\n   - 又一项\n3. 第三\n\n5. 从五开始\n6. 六",
    "- 松散列表\n\n- 第二项\n\n  续段落\n",
    "| 左 | 中 | 右 |\n| :--- | :---: | ---: |\n| a | **b** | [链接](https://www.gov.cn/) |\n| c | `d` | ![图](photo.jpg) |",
    "```\n代码块 <tag> & 符号\n\n第二行\n```\n\n    缩进代码\n    第二行",
    "![本地图片](photo.jpg \"标题\")\n\n![远程图片](https://example.com/x.png)\n\n![缺失](missing.png)",
    "[外链](https://www.gov.cn/zhengce/?a=1&b=2) 与 [公众号](https://mp.weixin.qq.com/s/abc) 与 [邮件](mailto:a@b.cn) 与 [站内](#fn1)",
    "[![图片链接](photo.jpg)](https://mp.weixin.qq.com/s/xyz)",
    "脚注引用[^1]与第二个[^note]。\n\n[^1]: 第一个脚注，含 [外链](https://www.stats.gov.cn/)。\n\n[^note]: 第二个脚注。",
    "::: 主送\n各区数据管理部门：\n:::\n\n::: 落款\n滨江市数据管理局\n2026年11月6日\n:::\n\n::: 成文日期\n2026年11月6日\n:::",
    "::: 附件说明\n附件：1. 申报表\n2. 汇总表\n:::",
    "---\n\n***",
    "硬换行  \n第二行\\\n第三行",
    "&copy; &#169; &#x27; &amp; &lt;b&gt; &unknown; &#0;",
]


def _markdown_files() -> list[str]:
    return repo_markdown()


def _mixes(count: int) -> list[str]:
    rng = random.Random(17)
    return ["\n\n".join(rng.choices(BLOCKS, k=rng.randint(1, 8))) + "\n" for _ in range(count)]


def _article(text: str) -> str:
    """What render_article hands style_for_wechat (pictures named *.jpg resolve)."""
    refs = wechat_render._References()
    body = render_body(text, image_src=lambda ref: "asset:images/" + ref if ref.endswith(".jpg") else None,
                       link_href=refs.href)
    first = body.html.count('class="footnote-item"') + 1
    inner = wechat_render._EMPTY_PARAGRAPH.sub("", wechat_render._rewrite(body.html, refs, first))
    inner += wechat_render._references_block(refs, first)
    return f'<section class="wx-article">{inner}</section>'


@pytest.mark.parametrize("name", ["default", "gov-red"])
def test_one_pass_gives_the_bytes_of_css_inline_then_nh3(name):
    styles = StyleMap(lambda markup: theme._two_passes(markup, name), theme._keep_attribute)
    bodies = _markdown_files() + _mixes(400)
    one_pass = 0
    for text in bodies:
        article = _article(text)
        if theme.too_deep(article):
            continue
        fast = styled(article, styles)
        if fast is not None:
            one_pass += 1
            assert fast == theme._two_passes(article, name), text[:300]
        assert theme.style_for_wechat(article, name) == theme._two_passes(article, name)
    assert one_pass > 0.9 * len(bodies)  # the renderer's own markup: nearly always one pass


def test_each_element_shape_is_asked_of_css_inline_once():
    styles = StyleMap(lambda markup: theme._two_passes(markup, "default"), theme._keep_attribute)
    articles = [_article(text) for text in _mixes(60)]
    for article in articles:
        styled(article, styles)
    learned = styles.probes
    assert 0 < learned < 120
    for article in articles:
        styled(article, styles)
    assert styles.probes == learned  # nothing asked twice


@pytest.mark.parametrize("markup", [
    '<section class="wx-article"><p>段落<p>嵌套段落</p></p></section>',  # a block inside a paragraph
    '<section class="wx-article"><em><p>块在行内</p></em></section>',
    '<section class="wx-article"><a href="https://mp.weixin.qq.com/s/a"><a href="https://mp.weixin.qq.com/s/b">x</a></a></section>',
    '<section class="wx-article"><h2><h3>标题中的标题</h3></h2></section>',
    '<section class="wx-article"><table><tr><td>x</td></tr></table></section>',  # no tbody
    '<section class="wx-article"><table>文字<tbody><tr><td>x</td></tr></tbody></table></section>',
    '<section class="wx-article"><td>单元格</td></section>',
    '<section class="wx-article"><li>列表外</li></section>',
    '<section class="wx-article"><pre>\n换行</pre></section>',
    '<section class="wx-article"><p>未闭合</section>',
    '<section class="wx-article"><p>a</p></section></p>',
    '<section class="wx-article"><br></br></section>',
    '<section class="wx-article"><div>不认识的标签</div></section>',
    '<section class="wx-article"><p>回车\r换行</p></section>',
    '<section class="wx-article"><p>裸的 &amp 符号</p></section>',
    "<section class='wx-article'><p>单引号属性</p></section>",
])
def test_markup_a_parser_would_rebuild_takes_the_two_passes(markup):
    styles = StyleMap(lambda m: theme._two_passes(m, "default"), theme._keep_attribute)
    assert styled(markup, styles) is None
    assert theme.style_for_wechat(markup, "default") == theme._two_passes(markup, "default")


def test_only_themes_of_tags_classes_and_descendants_are_learned():
    assert all(simple_theme(theme.load_theme(name)[0]) for name in theme.theme_names())
    for css in ("p:first-child { color: red; }", "h2 + p { margin: 0; }", "a[href] { color: red; }",
                "#fn1 { color: red; }", "@media (max-width: 600px) { p { margin: 0; } }", "ul > li { margin: 0; }",
                "p ~ p { margin: 0; }", "* { margin: 0; }", "p { color: red; "):
        assert not simple_theme(css), css


EMPTYING = [
    "![缺失](missing.png)\n\n正文\n",  # a paragraph left empty where a picture was dropped
    "段落\n\n![远程](https://example.com/a.png)\n![缺失](b.png)\n\n<p> <img src=\"c.png\">\xa0</p>\n\n尾\n",
    "<p><a href=\"#x\"> </a></p>\n<p></p>\n<p>\n</p>text\n",
    "注[^1]\n\n[^1]: ![缺失](x.png)\n",
    "[公众号](https://mp.weixin.qq.com/s/abc)[外链 **加粗** &amp;](https://www.gov.cn/)[外链](https://www.gov.cn/)\n",
]


ATTACHMENTS = '<section class="wx-attachments"><p class="wx-attachment">申报表.docx（Word，12 KB）</p></section>'


def both_ways(text: str, name: str, block: str = "") -> tuple[str, str | None]:
    """(the rewriter, empty-paragraph removal and theme in turn; the one pass or None), on what
    render_article has after render_body (pictures named *.jpg resolve)."""
    passes, fused = wechat_render._References(), wechat_render._References()
    src = lambda ref: "asset:images/" + ref if ref.endswith(".jpg") else None  # noqa: E731
    body = render_body(text, image_src=src, link_href=passes.href)
    render_body(text, image_src=src, link_href=fused.href)
    first = body.html.count('class="footnote-item"') + 1
    inner = wechat_render._EMPTY_PARAGRAPH.sub("", wechat_render._rewrite(body.html, passes, first))
    expected = theme.style_for_wechat(
        f'<section class="wx-article">{inner}{block}{wechat_render._references_block(passes, first)}</section>', name)
    got = wechat_render._rewrite_styled(body.html, fused, first, block, theme.style_map(name))
    if got is not None:
        assert fused.titles == passes.titles
    return expected, got


@pytest.mark.parametrize("name", ["default", "gov-red"])
def test_rewrite_and_theme_in_one_pass_give_the_bytes_of_the_passes_in_turn(name):
    one_pass = 0
    bodies = _markdown_files() + _mixes(300) + EMPTYING
    for index, text in enumerate(bodies):
        expected, got = both_ways(text, name, ATTACHMENTS if index % 3 == 0 else "")
        if got is not None:
            one_pass += 1
            assert got == expected, text[:300]
    assert one_pass > 0.9 * len(bodies)
