"""A body is sanitised once for all its channels (publisher.render.markdown._sanitised) and each
channel rewrites only its `<img src>`/`<a href>`: the same HTML, the same references in the same
order and the same callback calls as nh3 running each channel's callbacks itself, on every body of
the tests, the docs, the sample content and hostile markup, with callbacks that keep, rewrite and
drop; and rendering an item for every one of its channels parses and sanitises its body once."""

from __future__ import annotations

import random
from pathlib import Path

import nh3
import pytest

from publisher.render import markdown as md
from tests.markdown_corpus import repo_markdown

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = [
    '<a href="https://example.com/?a=1&amp;b=2" title="x &quot;y&quot; &lt;z&gt;" id="i">链接 &amp; 文本</a>\n',
    "正文 &nbsp;&copy; <img src=\"photo.jpg\" alt='单引号 \"x\"' title=\"t\" width=\"3\" height=\"4\">\n",
    '<img alt="先写 alt" src="a b&amp;c.jpg" title="t"> <img src=""> <img src="javascript:alert(1)">\n',
    '<a title="t" href="#fn1">锚点</a> <a href="">空</a> <a href="mailto:a@b.cn">邮件</a> <a>无</a>\n',
    '<a href="https://mp.weixin.qq.com/s/abc"><img src="photo.jpg" alt="链接里的图"></a>\n',
    "<table><tr><td style=\"text-align: right\">1</td><td style=\"color:red\">2</td></tr></table>\n",
    "<p title=\"a>b<c\">尖括号</p> <img src=\"x.jpg\" alt=\"a>b\">\n",
    "<!-- comment --><script>alert(1)</script>\n\n<<>> & &amp &#; &unknown;\n",
    '<a href="https://example.com/\xa0nbsp" rel="x">不换行空格</a> <img src="p\xa0q.jpg">\n',
    "![图](photo.jpg) [链接](https://www.gov.cn/) [![图链](b.png)](https://example.com/) ![图](photo.jpg)\n",
]


def _reference(text: str, image_src, link_href) -> md.Body:
    """render_body as it was: nh3 with every channel's callbacks inside its attribute filter."""
    body = md.Body(html="")

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            if not value:
                return None
            if value not in body.images:
                body.images.append(value)
            return image_src(value) if image_src is not None else value
        if tag == "a" and attr == "href":
            if value.startswith("#"):
                return value
            if value.startswith(("http://", "https://")) and value not in body.links:
                body.links.append(value)
            return link_href(value) if link_href is not None else value
        if attr == "style":
            return value if md._ALIGN.fullmatch(value) else None
        return value

    body.html = nh3.clean(
        md._html(text), tags=md.ALLOWED_TAGS, attributes=md.ALLOWED_ATTRIBUTES, url_schemes=md.URL_SCHEMES,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math", "template"},
        allowed_classes=md.ALLOWED_CLASSES, attribute_filter=attribute_filter, link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return body


def _bodies() -> list[str]:
    return repo_markdown() + HOSTILE


def _callbacks(seed: int):
    """Callbacks that keep, rewrite (to values that need escaping too) and drop, recording calls."""
    rng = random.Random(seed)
    choices = [lambda v: v, lambda v: None, lambda v: "asset:images/" + v[-8:], lambda v: 'q"&\xa0' + v,
               lambda v: "https://wx-reference.invalid/3", lambda v: v if v.endswith(".jpg") else None]
    picks = {}
    calls: list[tuple[str, str]] = []

    def make(kind: str):
        def callback(value: str) -> str | None:
            calls.append((kind, value))
            if value not in picks:
                picks[value] = rng.choice(choices)
            return picks[value](value)
        return callback

    return make("img"), make("a"), calls


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_shared_sanitise_gives_what_nh3_with_the_callbacks_gives(seed):
    for text in _bodies():
        if seed is None:
            expected, got = _reference(text, None, None), md.render_body(text)
            calls = calls_again = []
        else:
            image_src, link_href, calls = _callbacks(seed)
            expected = _reference(text, image_src, link_href)
            image_src, link_href, calls_again = _callbacks(seed)
            got = md.render_body(text, image_src=image_src, link_href=link_href)
        assert got.html == expected.html, text[:200]
        assert (got.images, got.links) == (expected.images, expected.links)
        assert calls_again == calls


def test_an_item_for_all_its_channels_is_parsed_and_sanitised_once(monkeypatch):
    from publisher.content.loader import load_item
    from publisher.content.matrix import load_matrix
    from publisher.content.targets import targets_for
    from publisher.render import compiled_markdown
    from publisher.render.renditions import channel_for

    root = ROOT / "tests" / "fixtures" / "render_content"
    matrix = load_matrix(root)
    item, _ = load_item(root / "items" / "2026" / "11" / "full-article" / "index.md", root, matrix)
    accounts = targets_for(item, matrix)
    assert {a.channel for a in accounts} >= {"wechat", "weibo"}
    parses, cleans = [], []
    real_render, real_clean = compiled_markdown.render, md.nh3.clean
    monkeypatch.setattr(compiled_markdown, "render", lambda text: parses.append(1) or real_render(text))
    # Only the body's sanitising counts (WeChat's theme and the site call nh3 for other things).
    monkeypatch.setattr(md.nh3, "clean", lambda html, **kw: cleans.append(kw.get("tags") is md.ALLOWED_TAGS)
                        or real_clean(html, **kw))
    md._html.cache_clear(), md._sanitised.cache_clear()
    for account in accounts:
        channel_for(account, matrix).render(item)
    assert len(accounts) >= 3 and (len(parses), sum(cleans)) == (1, 1)
