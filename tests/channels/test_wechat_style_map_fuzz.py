"""Random Markdown, including raw HTML, stray entities and control characters, through both ways
of theming a WeChat article: the one pass (channels.wechat.style_map) must give the bytes of the
two passes (css-inline, then nh3) or step aside, and so must the article's rewriter and theme in
one pass (channels.wechat.render._rewrite_styled) against the rewriter, then the theme. The seeded mixes in test_wechat_style_map cover
well-formed constructs; this covers what an editor's typing or a paste can produce."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.wechat import theme
from tests.channels.test_wechat_style_map import ATTACHMENTS, BLOCKS, _article, both_ways

PIECES = [
    "**", "*", "_", "`", "~~", "[", "]", "(", ")", "![", "<", ">", "&", "&amp;", "&#x0;", "&nbsp;", "&copy",
    "\n", "\n\n", "  \n", "> ", "- ", "1. ", "| a | b |\n| - | - |\n| c | d |\n", "```\n", "    ",
    "<div>", "</div>", "<p>", "<script>x</script>", "<b>", "<table>", "<tr>", "<li>", "<br>", "\r", "\t",
    "https://www.gov.cn/a?b=1&c=2", "javascript:alert(1)", '"', "'", "\xa0", "中文", "[^1]", "[^1]: 注\n",
    "::: 主送\n", ":::\n", "#", "## ", "---\n", "\\", "<!--", "-->", "<pre>", "</pre>", '<a href="x">',
    '<img src="x.jpg" onerror="y">', '<span style="color:red">', "\u200b", "\U0001f600",
]

bodies = st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from(BLOCKS), st.text(max_size=6)),
                  max_size=30).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(bodies, st.sampled_from(["default", "gov-red"]))
def test_one_pass_never_differs_from_the_two_passes(body, name):
    article = _article(body)
    if theme.too_deep(article):
        return
    assert theme.style_for_wechat(article, name) == theme._two_passes(article, name)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(bodies, st.sampled_from(["default", "gov-red"]), st.sampled_from(["", ATTACHMENTS]))
def test_rewrite_and_theme_in_one_pass_never_differ_from_the_passes_in_turn(body, name, block):
    expected, got = both_ways(body, name, block)
    assert got is None or got == expected
