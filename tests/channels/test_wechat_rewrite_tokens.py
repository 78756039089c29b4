"""The WeChat article's post-pass (`_WeChatRewriter`) gets the same calls from the fast splitter of
the sanitiser's output (`_nh3_tokens`) as from html.parser: same article HTML and the same
reference titles on every body of the tests, the docs and hostile markup; markup not in the
sanitiser's form goes to html.parser."""

from __future__ import annotations

import pytest

from channels.wechat import render as wechat_render
from publisher.render.markdown import render_body
from tests.markdown_corpus import repo_markdown

HOSTILE = [
    '<a href="https://example.com/?a=1&amp;b=2" title="x &quot;y&quot; &lt;z&gt;">链接 &amp; 文本</a>\n',
    "正文 &nbsp;&copy;&#169;&#x27; <b>粗</b> <img src=\"photo.jpg\" alt='单引号 \"x\"'>\n",
    "<div><p>嵌套<a href=\"#fn1\">内部锚点</a></p></div>\n",
    "<a href=\"https://mp.weixin.qq.com/s/abc\">公众号文章</a> 与 <a href=\"mailto:a@b.cn\">邮件</a>\n",
    "注释[^1]\n\n[^1]: 脚注 [外链](https://www.gov.cn/) 文字。\n",
    "<table><tr><td style=\"text-align: right\">1</td><td style=\"color:red\">2</td></tr></table>\n",
    "<p title=\"a>b<c\">尖括号</p>\n",
    "<!-- comment --><script>alert(1)</script>\n\n<<>> & &amp &#; &unknown;\n",
]


def _via_html_parser(markup: str, refs, first: int) -> str:
    rewriter = wechat_render._WeChatRewriter(refs, first)
    rewriter.feed(markup)
    rewriter.close()
    return "".join(rewriter.out)


def _bodies() -> list[str]:
    return repo_markdown() + HOSTILE


def _sanitised(text: str):
    refs = wechat_render._References()
    body = render_body(text, image_src=lambda ref: "asset:" + ref if ref.endswith(".jpg") else None,
                       link_href=refs.href)
    return body.html, refs


def test_fast_split_gives_the_rewriter_what_html_parser_gives_it():
    fast = 0
    for text in _bodies():
        markup, refs = _sanitised(text)
        _, refs_again = _sanitised(text)
        first = markup.count('class="footnote-item"') + 1
        expected = _via_html_parser(markup, refs_again, first)
        if wechat_render._nh3_tokens(markup) is not None:
            fast += 1
        assert wechat_render._rewrite(markup, refs, first) == expected, text[:200]
        assert refs.titles == refs_again.titles and refs.urls == refs_again.urls
    assert fast > 0.95 * len(_bodies())  # the fast path is the common one


@pytest.mark.parametrize("markup", [
    '<p title=\'single\'>x</p>',  # not the sanitiser's quoting
    "<p>a < b</p>",  # a bare '<' in text
    "<P>upper</P>",
    "<br/>",
    "<p data-x>valueless</p>",
])
def test_markup_not_in_the_sanitisers_form_goes_to_html_parser(markup):
    assert wechat_render._nh3_tokens(markup) is None
    refs, refs_again = wechat_render._References(), wechat_render._References()
    assert wechat_render._rewrite(markup, refs, 1) == _via_html_parser(markup, refs_again, 1)
