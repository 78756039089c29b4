"""WeChat article styling: a theme's CSS inlined into `style` attributes, then everything the
WeChat editor would strip (or that could carry script) removed by an allow-list pass.

WeChat drops `<style>`, `<script>`, `id`s, `class`es' meaning and `position` styles from
article HTML, so the only styling that survives is inline. css-inline does the inlining; it
must never fetch a stylesheet (`load_remote_stylesheets=False`): renders are pure.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import css_inline
import nh3

from channels.wechat.style_map import StyleMap, simple_theme, styled

DEFAULT_THEME = "default"
_THEME_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")

# Tags WeChat's editor keeps in an article body.
WECHAT_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "section", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
WECHAT_ATTRIBUTES = {
    "*": {"style"},
    "a": {"href", "style"},
    "img": {"src", "alt", "style"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
    "ol": {"start", "style"},
}
# CSS properties that survive WeChat and cannot reach the network or overlay the page.
# Deliberately absent: position/top/left/z-index, background(-image), content, behavior.
WECHAT_STYLE_PROPERTIES = {
    "background-color", "border", "border-bottom", "border-collapse", "border-color",
    "border-left", "border-radius", "border-right", "border-style", "border-top", "border-width",
    "box-sizing", "color", "display", "font-family", "font-size", "font-style", "font-weight",
    "height", "letter-spacing", "line-height", "list-style-type", "margin", "margin-bottom",
    "margin-left", "margin-right", "margin-top", "max-width", "overflow-wrap", "overflow-x",
    "padding", "padding-bottom", "padding-left", "padding-right", "padding-top", "text-align",
    "text-decoration", "text-indent", "vertical-align", "white-space", "width", "word-break",
}  # fmt: skip
_UNSAFE_STYLE = re.compile(r"url\s*\(|expression\s*\(|javascript:|@import|\\", re.IGNORECASE)


def theme_names() -> list[str]:
    folder = resources.files("channels.wechat") / "themes"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".css"))


@cache
def load_theme(name: str) -> tuple[str, bool]:
    """(css, found). An unknown or malformed name falls back to the default theme."""
    if _THEME_NAME.match(name or "") and name in theme_names():
        return (resources.files("channels.wechat") / "themes" / f"{name}.css").read_text("utf-8"), True
    return load_theme(DEFAULT_THEME)[0], False


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False)


def is_wechat_article(url: str) -> bool:
    """Links WeChat leaves live: articles on mp.weixin.qq.com."""
    return bool(re.match(r"^https?://mp\.weixin\.qq\.com(/|$)", url))


def _keep_attribute(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return None if _UNSAFE_STYLE.search(value) else value
    if tag == "img" and attr == "src":
        return value if value.startswith("asset:") else None
    if tag == "a" and attr == "href":
        return value if is_wechat_article(value) else None
    return value


# css-inline parses recursively: a body nested some thousands of elements deep overflows the
# native stack and kills the process (seen: 8,000 levels, a segfault in `publisher run`). Real
# articles nest a dozen levels; beyond this the theme is not inlined and the renderer says so.
MAX_HTML_DEPTH = 256
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])


def nesting_depth(html: str) -> int:
    """How deep elements nest in `html` (tags counted, not parsed: cheap and never recursive)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(html):
        if closing:
            depth = max(0, depth - 1)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def too_deep(html: str) -> int | None:
    """The nesting depth of `html` when it is over MAX_HTML_DEPTH, else None. Every level opens
    with a `<`: markup with no more of them than the limit is not counted at all."""
    if html.count("<") <= MAX_HTML_DEPTH:
        return None
    depth = nesting_depth(html)
    return depth if depth > MAX_HTML_DEPTH else None


def _clean(html: str) -> str:
    """Keep only what WeChat keeps (no class, id, script; safe style properties)."""
    return nh3.clean(
        html,
        tags=WECHAT_TAGS,
        attributes=WECHAT_ATTRIBUTES,
        url_schemes={"http", "https", "asset"},
        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math", "template"},
        attribute_filter=_keep_attribute,
        filter_style_properties=WECHAT_STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    )


def _two_passes(html: str, theme: str) -> str:
    return _clean(_inliner().inline_fragment(html, load_theme(theme)[0]))


@cache
def style_map(theme: str) -> StyleMap | None:
    """The theme's learned start tags (channels.wechat.style_map), or None when its selectors
    are not all tags, classes and descendants."""
    if not simple_theme(load_theme(theme)[0]):
        return None
    return StyleMap(lambda markup: _two_passes(markup, theme), _keep_attribute)


def style_for_wechat(html: str, theme: str) -> str:
    """Inline the theme into `html`, then keep only what WeChat keeps (no class, id, script).
    The renderer's own markup takes one pass with the theme's learned start tags (the same bytes);
    anything else goes through css-inline and nh3."""
    if too_deep(html):
        return _clean(html)
    styles = style_map(theme)
    fast = styled(html, styles) if styles is not None else None
    return fast if fast is not None else _two_passes(html, theme)
