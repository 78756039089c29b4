"""Markdown bodies to safe HTML: CommonMark with tables, strikethrough and footnotes, and an nh3
allow-list, so raw HTML an editor pastes can never carry script into any channel.

Two engines, one output. The compiled one (markdown-it-pyrs: markdown-it's rules in Rust, the
same HTML as markdown-it-py) parses about 10× faster and takes every body it can; markdown-it-py
(the reference) takes the bodies the compiled one cannot handle the same way
(`publisher.render.compiled_markdown.takes`): notice blocks (`:::`, it has no container rule) and
the two inputs it is known to panic on (backticks after `[`, `^[`), plus anything it still panics
on. tests/render/test_markdown_engines.py holds both to the same output.

Notice layout (公文格式): fenced blocks mark the parts of a 通知 that are not running text —

    ::: 主送            ::: 附件说明          ::: 落款              ::: 成文日期
    各区数据管理部门：   附件：1. 申报表       滨江市数据管理局       2026年11月6日
    :::                 :::                  2026年11月6日          :::
                                             :::

Each becomes `<section class="notice-…">` with its lines kept as lines; the channels' styles
place them (落款 and 成文日期 right-aligned on the site and in articles); plain text (short
posts, digests) just reads the words.

Renderers pass two small callbacks to say where images and links go (e.g. CDN placeholders and
numbered footnotes; site: asset URLs), and get back the HTML plus what was referenced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from html import unescape as html_unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publisher.content.notice import NOTICE_BLOCKS
from publisher.render import compiled_markdown

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "del", "div", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto", "asset"}
# Footnote markup from mdit-py-plugins uses these classes; keep them so themes can style it.
NOTICE_CLASSES = set(NOTICE_BLOCKS.values())
ALLOWED_CLASSES = {
    "section": {"footnotes", *NOTICE_CLASSES},
    "hr": {"footnotes-sep"},
    "a": {"footnote-ref", "footnote-backref"},
    "sup": {"footnote-ref"},
    "li": {"footnote-item"},
}

_ALIGN = re.compile(r"text-align:\s*(left|center|right);?")
Rewrite = Callable[[str], str | None]


@dataclass
class Body:
    html: str
    images: list[str] = field(default_factory=list)  # image references, in order, as written
    links: list[str] = field(default_factory=list)  # external link targets, in order


def notice_block(info: str) -> str | None:
    """The class for a `::: 落款` line's name, or None for a name that is not a notice block."""
    return NOTICE_BLOCKS.get(info.strip())


def _render_notice(renderer, tokens: list[Token], index: int, options, env) -> str:
    token = tokens[index]
    if token.nesting == 1:
        return f'<section class="{notice_block(token.info) or "notice"}">\n'
    return "</section>\n"


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(container_plugin, "notice", validate=lambda params, *_: notice_block(params) is not None,
           render=_render_notice)
    return md


def _keep_notice_lines(tokens: list[Token]) -> list[Token]:
    """Inside a notice block every line is a line (a 落款 is organ, then date): soft breaks
    become hard ones."""
    depth = 0
    for token in tokens:
        if token.type == "container_notice_open":
            depth += 1
        elif token.type == "container_notice_close":
            depth -= 1
        elif depth and token.type == "inline":
            for child in token.children or []:
                if child.type == "softbreak":
                    child.type, child.tag = "hardbreak", "br"
    return tokens


def parse(text: str) -> list[Token]:
    return _parser().parse(text)


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def render_body(
    text: str,
    *,
    image_src: Rewrite | None = None,
    link_href: Rewrite | None = None,
) -> Body:
    """Render Markdown to sanitized HTML.

    `image_src(ref)` maps an image reference to the URL to use (None drops the image);
    `link_href(href)` maps a link (None drops the link but keeps its text).
    Raw HTML `<img>`/`<a>` in the body go through the same callbacks during sanitizing.

    The body is sanitised once for all its channels (`_sanitised`); each call then rewrites only
    the `<img src>` and `<a href>` of that output, in document order, as nh3 would have in its
    attribute callback (`_rewrite_references`: same calls, same bytes).
    """
    body = Body(html="")

    # Every <img>/<a> — from Markdown or raw HTML alike — passes through here, in document order.
    def reference(tag: str, value: str) -> str | None:
        if tag == "img":
            if value not in body.images:
                body.images.append(value)
            return image_src(value) if image_src is not None else value
        if value.startswith("#"):
            return value
        if value.startswith(("http://", "https://")) and value not in body.links:
            body.links.append(value)
        return link_href(value) if link_href is not None else value

    body.html = _rewrite_references(_sanitised(text), reference)
    return body


# nh3's serialisation of the <img>/<a> start tags it keeps: every value double-quoted, '"' escaped.
_REFERENCE_TAG = re.compile(r'<(img|a)((?: [a-z][a-z0-9-]*="[^"]*")*)>')
_ATTRIBUTE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')


def _attribute_text(value: str) -> str:
    """An attribute value as html5ever writes it."""
    return value.replace("&", "&amp;").replace("\xa0", "&nbsp;").replace('"', "&quot;")


def _rewrite_references(html: str, reference: Callable[[str, str], str | None]) -> str:
    """`html` (nh3's output) with each `<img src>` and `<a href>` passed through `reference(tag,
    value)`: a new value replaces it, None drops the attribute the way nh3 drops one in its
    attribute callback (the last attribute takes its place)."""

    def one(match: re.Match) -> str:
        tag, attrs = match.group(1), match.group(2)
        url = "src" if tag == "img" else "href"
        if f" {url}=" not in attrs:
            return match.group(0)
        pairs = _ATTRIBUTE.findall(attrs)
        for index, (name, raw) in enumerate(pairs):
            if name != url:
                continue
            value = html_unescape(raw) if "&" in raw else raw
            new = reference(tag, value)
            if new is None:
                pairs[index] = pairs[-1]  # Vec::swap_remove, as ammonia drops a filtered attribute
                pairs.pop()
            elif new != value:
                pairs[index] = (name, _attribute_text(new))
            break
        return f"<{tag}" + "".join(f' {name}="{raw}"' for name, raw in pairs) + ">"

    return _REFERENCE_TAG.sub(one, html)


def _keep_value(tag: str, attr: str, value: str) -> str | None:
    """nh3's attribute callback for what every channel shares: no empty picture source, and only
    the alignment markdown-it writes for table columns (no CSS from editors)."""
    if attr == "src":
        return value or None
    if attr == "style":
        return value if _ALIGN.fullmatch(value) else None
    return value


@lru_cache(maxsize=64)
def _sanitised(text: str) -> str:
    """The body's HTML through the allow-list, pictures and links as written. Cached like `_html`:
    an item's channels share it and rewrite only its references."""
    return nh3.clean(
        _html(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math", "template"},
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_keep_value,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@lru_cache(maxsize=64)
def _html(text: str) -> str:
    """The unsanitised HTML of a body. Cached: one item's body is rendered for each of its channels
    in turn (each with its own callbacks, so sanitising is per call; the parse is not)."""
    html = compiled_markdown.render(text)
    if html is not None:
        return html
    md = _parser()
    return md.renderer.render(_keep_notice_lines(md.parse(text)), md.options, {})


@lru_cache(maxsize=64)
def plain_text(text: str) -> str:
    """The body's readable text (for digests and summaries): no markup, no footnote bodies, and
    not the notice blocks (主送机关, 附件说明, 落款 are not what the notice says)."""
    compiled = compiled_markdown.plain_text(text)
    if compiled is not None:
        return compiled
    parts: list[str] = []
    skip = 0
    for token in parse(text):
        if token.type in ("footnote_block_open", "container_notice_open"):
            skip += 1
        elif token.type in ("footnote_block_close", "container_notice_close"):
            skip -= 1
        elif token.type == "inline" and not skip:
            pieces = [c.content for c in (token.children or []) if c.type in {"text", "code_inline"}]
            parts.append("".join(pieces))
    return "\n".join(p for p in parts if p.strip())
