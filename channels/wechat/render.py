"""A content item as a WeChat Official Account article: payload for `draft/add` plus the images
to upload. Pure and deterministic: same item and account, same bytes.

Body images become assets named `images/<sha256[:16]>.<ext>` and are referenced as
`<img src="asset:NAME">`; the adapter uploads them (`media/uploadimg`) and swaps in the CDN URLs.
External links become numbered references under a “参考资料” block (WeChat strips them);
links to mp.weixin.qq.com articles stay live. Problems (missing images, remote images, unknown
theme) never raise: they are collected as notes and reported by `check`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from channels.base import Asset, RenderContext
from channels.wechat.config import WeChatConfig
from channels.wechat.style_map import NotCertain, StyleMap, Styler
from channels.wechat.theme import (
    MAX_HTML_DEPTH,
    is_wechat_article,
    load_theme,
    style_for_wechat,
    style_map,
    too_deep,
)
from publisher.content.attachments import Attachment, published_attachments
from publisher.content.model import ContentItem, TargetSpec
from publisher.content.urls import article_url
from publisher.render.images import (
    ImageCache,
    ImageProblem,
    PreparedImage,
    SourcePicture,
    crop_box,
    is_remote,
    locate_local,
)
from publisher.render.markdown import plain_text, render_body

BODY_IMAGE = {"max_side": 1080, "max_bytes": 1024 * 1024 - 1, "quality": 85}
COVER_IMAGE = {"max_side": 1280, "max_bytes": 10 * 1024 * 1024, "fmt": "JPEG", "quality": 88}
THUMB_IMAGE = {"max_side": 360, "max_bytes": 64 * 1024 - 1, "fmt": "JPEG", "quality": 80}
DIGEST_MIN, DIGEST_MAX = 54, 120
# A marker no editor can forge: every http(s) href an editor writes goes through `_link`.
_REF_MARKER = "https://wx-reference.invalid/"
_SENTENCE_END = "。！？；!?;"
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>\n?")  # left where an image was dropped


@dataclass(frozen=True)
class Note:
    """A problem found while rendering, turned into a Finding by check()."""

    code: str
    message: str
    ref: str | None = None  # the image reference or front matter key it is about
    warning: bool = False


@dataclass
class Article:
    payload: dict
    assets: list[Asset]
    notes: list[Note] = field(default_factory=list)


def wechat_spec(item: ContentItem) -> TargetSpec | None:
    return (item.meta.targets or {}).get("wechat")


class _Images:
    """Finds and prepares the item's images once per render (through the image cache: a picture
    file unchanged since it was last seen is neither read nor hashed again)."""

    def __init__(self, item: ContentItem, cache: ImageCache | None):
        self.folder: Path = item.folder
        self.cache = cache or ImageCache(None)
        self.notes: list[Note] = []
        self._sources: dict[str, SourcePicture | None] = {}
        # The cover is the first body picture: its body, cover and thumb variants are made together.
        self.cover_from_body = item.meta.cover is None
        self._made: dict[tuple[str, str], PreparedImage] = {}  # by source hash and settings

    def source(self, ref: str, *, url_encoded: bool) -> SourcePicture | None:
        key = f"{url_encoded}:{ref}"
        if key not in self._sources:
            try:
                path = locate_local(self.folder, ref, url_encoded=url_encoded)
                source = self.cache.source(path, unquote(ref) if url_encoded else ref)
            except ImageProblem as problem:
                self.notes.append(Note(problem.code, problem.message, ref))
                source = None
            self._sources[key] = source
        return self._sources[key]

    def prepare(self, ref: str, source: SourcePicture, options: dict) -> PreparedImage | None:
        made = self.prepare_many(ref, source, [options])
        return made[0] if made else None

    def prepare_many(self, ref: str, source: SourcePicture, variants: list[dict], *, note: bool = True) -> list[PreparedImage] | None:
        """Variants of one picture from one decode (ImageCache.prepare_source_many); each kept
        for the rest of the render, so a cover made with its body picture is not made again."""
        keys = [(source.sha256, repr(sorted(options.items()))) for options in variants]
        if all(key in self._made for key in keys):
            return [self._made[key] for key in keys]
        try:
            made = self.cache.prepare_source_many(source, variants)
        except ImageProblem as problem:
            if note:
                self.notes.append(Note(problem.code, f"图片“{ref}”：{problem.message}", ref))
            return None
        self._made.update(zip(keys, made, strict=True))
        return made


class _BodyImages:
    def __init__(self, images: _Images):
        self.images = images
        self.assets: dict[str, Asset] = {}  # by reference, in document order
        self.remote: list[str] = []

    def src(self, ref: str) -> str | None:
        if is_remote(ref):
            if ref not in self.remote:
                self.remote.append(ref)
            return None
        if ref not in self.assets:
            source = self.images.source(ref, url_encoded=True)
            if source is None:
                return None
            options = {**BODY_IMAGE, "fmt": "PNG" if source.format == "PNG" else "JPEG"}
            prepared = None
            if not self.assets and self.images.cover_from_body:
                # The article's cover: one decode for the body picture, the cover and the thumb
                # (alone if the set fails: _cover then reports the cover's problem).
                made = self.images.prepare_many(ref, source, [options, COVER_IMAGE, THUMB_IMAGE], note=False)
                prepared = made[0] if made else None
            prepared = prepared or self.images.prepare(ref, source, options)
            if prepared is None:
                return None
            digest = prepared.sha256
            name = f"images/{digest[:16]}.{prepared.extension}"
            self.assets[ref] = Asset(name, prepared.data, prepared.media_type, "body", ref,
                                     prepared.width, prepared.height, digest)
        return "asset:" + self.assets[ref].name


class _References:
    """External links, numbered in order of first appearance."""

    def __init__(self):
        self.urls: list[str] = []
        self.titles: dict[str, str] = {}

    def href(self, url: str) -> str | None:
        if is_wechat_article(url):
            return url
        if not url.lower().startswith(("http://", "https://")):
            return None  # mailto: and the like: the text stays, the link goes
        if url not in self.urls:
            self.urls.append(url)
        return f"{_REF_MARKER}{self.urls.index(url)}"


class _WeChatRewriter(HTMLParser):
    """Re-serialises sanitized HTML, turning reference links into `[n]` superscripts, unwrapping
    in-page anchors, dropping footnote back-links and images that did not resolve."""

    def __init__(self, references: _References, first_number: int):
        super().__init__(convert_charrefs=True)
        self.refs, self.first = references, first_number
        self.out: list[str] = []
        self.anchors: list[tuple[str, int | None]] = []  # ("ref"|"keep"|"unwrap"|"skip", n)
        self.skips = 0  # how many of `anchors` are "skip"
        self.text: list[str] = []

    def _skipping(self) -> bool:
        return self.skips > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            href = values.get("href") or ""
            if "footnote-backref" in (values.get("class") or ""):
                self.anchors.append(("skip", None))
                self.skips += 1
            elif href.startswith(_REF_MARKER):
                self.anchors.append(("ref", int(href[len(_REF_MARKER):])))
                self.text = []
            elif is_wechat_article(href):
                self.anchors.append(("keep", None))
                self.out.append(f'<a href="{html.escape(href)}">')
            else:
                self.anchors.append(("unwrap", None))
            return
        if self._skipping() or (tag == "img" and not (values.get("src") or "").startswith("asset:")):
            return
        rendered = "".join(f' {k}="{html.escape(v or "")}"' for k, v in attrs if k != "rel")
        self.out.append(f"<{tag}{rendered}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # void elements: no closing tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.anchors:
            kind, index = self.anchors.pop()
            if kind == "skip":
                self.skips -= 1
            elif kind == "keep":
                self.out.append("</a>")
            elif kind == "ref" and index is not None:
                url = self.refs.urls[index]
                self.refs.titles.setdefault(url, "".join(self.text).strip())
                self.out.append(f'<sup class="wx-ref">[{self.first + index}]</sup>')
            return
        if not self._skipping():
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._skipping():
            return
        self.text.append(data)
        self.out.append(html.escape(data, quote=False))


# The sanitiser's (nh3's) serialisation: tags and attribute names in lower case, every value in
# double quotes, `<` in text always escaped, no comments. Markup in exactly this form is split by
# these two patterns; anything else goes through html.parser (`_rewrite`).
_NH3_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9-]*="[^"<]*")*)>')
_NH3_ATTR = re.compile(r' ([a-z][a-z0-9-]*)="([^"<]*)"')


def _nh3_tokens(markup: str) -> list[tuple] | None:
    """`markup` as html.parser would report it to a handler (start/end tags, unescaped data
    and attribute values), or None when it is not in the sanitiser's form."""
    tokens: list[tuple] = []
    pos = 0
    for match in _NH3_TAG.finditer(markup):
        start = match.start()
        if start > pos:
            text = markup[pos:start]
            if "<" in text:
                return None
            tokens.append(("data", html.unescape(text) if "&" in text else text))
        closing, tag, attrs = match.groups()
        if closing:
            if attrs:
                return None
            tokens.append(("end", tag))
        else:
            pairs = [(name, html.unescape(value) if "&" in value else value) for name, value in _NH3_ATTR.findall(attrs)]
            tokens.append(("start", tag, pairs))
        pos = match.end()
    if pos < len(markup):
        text = markup[pos:]
        if "<" in text:
            return None
        tokens.append(("data", html.unescape(text) if "&" in text else text))
    return tokens


def _rewrite(markup: str, refs: _References, first: int) -> str:
    """The sanitised body through `_WeChatRewriter`: split by `_nh3_tokens` when it is in the
    sanitiser's form (always, in practice: html.parser took a fifth of a WeChat render), else
    by html.parser itself. Both give the rewriter the same calls."""
    rewriter = _WeChatRewriter(refs, first)
    tokens = _nh3_tokens(markup)
    if tokens is None:
        rewriter.feed(markup)
        rewriter.close()
        return "".join(rewriter.out)
    for token in tokens:
        kind = token[0]
        if kind == "data":
            rewriter.handle_data(token[1])
        elif kind == "start":
            rewriter.handle_starttag(token[1], token[2])
        else:
            rewriter.handle_endtag(token[1])
    return "".join(rewriter.out)


def _references_block(refs: _References, first: int) -> str:
    if not refs.urls:
        return ""
    lines = []
    for index, url in enumerate(refs.urls):
        title = refs.titles.get(url) or ""
        readable = unquote(url)  # 中文 query words read better than %E4%B8%AD
        url = readable if readable.isprintable() and " " not in readable else url
        label = f"{title}: {url}" if title and title != url else url
        lines.append(f'<p class="wx-reference">{first + index}. {html.escape(label, quote=False)}</p>')
    return ('<section class="wx-references"><p class="wx-references-title">参考资料</p>'
            + "".join(lines) + "</section>")


def attachments_block(attachments: list[Attachment], page_url: str) -> str:
    """WeChat cannot offer files for download: the attachments are listed by name, type and size,
    with the site page that has them (also the article's “阅读原文” link)."""
    if not attachments:
        return ""
    lines = "".join(f'<p class="wx-attachment">{html.escape(a.display(), quote=False)}</p>' for a in attachments)
    note = f"附件请到门户网站下载：{page_url}" if page_url else "附件请到门户网站下载"
    return ('<section class="wx-attachments"><p class="wx-attachments-title">附件</p>' + lines
            + f'<p class="wx-attachments-note">{html.escape(note, quote=False)}</p></section>')


# nh3's escaping: '&' only ever starts one of these (its text and attribute forms).
_NH3_LOOSE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp);)")


def _rewrite_styled(markup: str, refs: _References, first: int, attachments: str, styles: StyleMap) -> str | None:
    """`_rewrite`, the empty-paragraph removal, the two blocks and `style_for_wechat` in one pass
    over the sanitised body (nh3's form, whose text and attribute values are already written as
    the final pass writes them), or None when the one pass is not certain to give those bytes."""
    if "\r" in markup or "\x00" in markup or _NH3_LOOSE_AMP.search(markup):
        return None
    styler = Styler(styles)
    anchors: list[tuple[str, int]] = []  # as _WeChatRewriter.anchors
    skips = 0
    text: list[str] = []  # a reference link's words, for its title
    paragraph = -1  # where the innermost <p> began in the output while nothing but blanks followed
    eat_newline = False  # a removed empty paragraph takes the newline after it
    pos = 0
    try:
        styler.start("section", ' class="wx-article"')
        for match in _NH3_TAG.finditer(markup):
            start = match.start()
            if start > pos and not skips:
                data = markup[pos:start]
                if "<" in data:
                    return None
                plain = html.unescape(data) if "&" in data else data
                text.append(plain)
                if eat_newline:
                    eat_newline = False
                    if data[0] == "\n":
                        data = data[1:]
                if data:
                    if not plain.isspace():
                        paragraph = -1
                    styler.data(data)
            pos = match.end()
            closing, tag, attrs = match.groups()
            if closing:
                if attrs:
                    return None
                if tag == "a" and anchors:
                    kind, index = anchors.pop()
                    if kind == "skip":
                        skips -= 1
                    elif kind == "keep":
                        styler.end("a")
                        paragraph, eat_newline = -1, False
                    elif kind == "ref":
                        url = refs.urls[index]
                        refs.titles.setdefault(url, "".join(text).strip())
                        styler.start("sup", ' class="wx-ref"')
                        styler.data(f"[{first + index}]")
                        styler.end("sup")
                        paragraph, eat_newline = -1, False
                    continue
                if skips:
                    continue
                if tag == "p" and paragraph >= 0:
                    styler.retract(paragraph)  # <p>, blanks, </p>: _EMPTY_PARAGRAPH removes it
                    paragraph, eat_newline = -1, True
                    continue
                styler.end(tag)
                paragraph, eat_newline = -1, False
                continue
            if tag == "a":
                pairs = dict(_NH3_ATTR.findall(attrs))
                href = html.unescape(pairs.get("href") or "")
                if "footnote-backref" in html.unescape(pairs.get("class") or ""):
                    anchors.append(("skip", 0))
                    skips += 1
                elif href.startswith(_REF_MARKER):
                    anchors.append(("ref", int(href[len(_REF_MARKER):])))
                    text = []
                elif is_wechat_article(href):
                    anchors.append(("keep", 0))
                    styler.start("a", f' href="{pairs["href"]}"')
                    paragraph, eat_newline = -1, False
                else:
                    anchors.append(("unwrap", 0))
                continue
            if skips:
                continue
            if tag == "img":
                src = next((v for n, v in _NH3_ATTR.findall(attrs) if n == "src"), "")
                if not src.startswith("asset:"):
                    continue
            elif " rel=" in attrs:
                return None  # only links carry rel, and the rewriter drops it
            mark = len(styler.out)
            styler.start(tag, attrs)
            paragraph, eat_newline = (mark if tag == "p" and not attrs else -1), False
        if pos < len(markup) and not skips:
            data = markup[pos:]
            if "<" in data:
                return None
            if eat_newline and data[0] == "\n":
                data = data[1:]
            if data:
                styler.data(data)
        if anchors:
            return None
        styler.feed(attachments + _references_block(refs, first))
        styler.end("section")
        result = styler.result()
    except NotCertain:
        return None
    return result if styler.deepest <= MAX_HTML_DEPTH else None


def article_html(item: ContentItem, body_images: _BodyImages, theme: str,
                 attachments: list[Attachment] | None = None, page_url: str = "") -> str:
    refs = _References()
    body = render_body(item.body, image_src=body_images.src, link_href=refs.href)
    first = body.html.count('class="footnote-item"') + 1  # after the item's own footnotes
    block = attachments_block(attachments or [], page_url)
    styles = style_map(theme)
    if styles is not None:
        titles = dict(refs.titles)
        one_pass = _rewrite_styled(body.html, refs, first, block, styles)
        if one_pass is not None:
            return one_pass
        refs.titles = titles
    inner = _EMPTY_PARAGRAPH.sub("", _rewrite(body.html, refs, first)) + block + _references_block(refs, first)
    return style_for_wechat(f'<section class="wx-article">{inner}</section>', theme)


def _cut_on_boundary(text: str, limit: int) -> str:
    """At most `limit` characters, never splitting a base character from its combining marks,
    variation selectors or a zero-width joiner sequence."""
    end = min(limit, len(text))
    while 0 < end < len(text) and (
        unicodedata.combining(text[end]) or text[end] in "\u200d\ufe0e\ufe0f" or text[end - 1] == "\u200d"
    ):
        end -= 1
    return text[:end]


def derive_digest(body: str) -> str:
    """A digest from the body's text: whole sentences up to DIGEST_MAX characters when they
    reach DIGEST_MIN, else a cut with an ellipsis."""
    text = " ".join(plain_text(body).split())
    if len(text) <= DIGEST_MAX:
        return text
    head = _cut_on_boundary(text, DIGEST_MAX)
    stop = max(head.rfind(mark) for mark in _SENTENCE_END)
    if stop + 1 >= DIGEST_MIN:
        return head[: stop + 1]
    return _cut_on_boundary(text, DIGEST_MAX - 1) + "…"


def _crop(box: tuple[float, float, float, float]) -> str:
    return "_".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in box)


def _cover(item: ContentItem, images: _Images, body_images: _BodyImages) -> tuple[list[Asset], dict, list[Note]]:
    ref = item.meta.cover
    source = images.source(ref, url_encoded=False) if ref else None
    if ref is None:
        ref = next(iter(body_images.assets), None)
        source = images.source(ref, url_encoded=True) if ref else None
    if source is None:
        if item.meta.cover is None and ref is None:
            return [], {}, [Note("wechat-cover-missing", "微信文章必须有封面：请在头信息中写 cover，或在正文中放一张本地图片", "cover")]
        return [], {}, []
    made = images.prepare_many(ref, source, [COVER_IMAGE, THUMB_IMAGE])  # one decode for both
    if made is None:
        return [], {}, []
    cover, thumb = made
    focus = item.meta.cover_focus
    cover_digest, thumb_digest = cover.sha256, thumb.sha256
    fields = {
        "pic_crop_235_1": _crop(crop_box(cover.width, cover.height, 2.35, focus)),
        "pic_crop_1_1": _crop(crop_box(cover.width, cover.height, 1.0, focus)),
        "cover": f"cover/{cover_digest[:16]}.jpg",
        "thumb": f"thumb/{thumb_digest[:16]}.jpg",
    }
    assets = [
        Asset(fields["cover"], cover.data, cover.media_type, "cover", ref, cover.width, cover.height, cover_digest),
        Asset(fields["thumb"], thumb.data, thumb.media_type, "thumb", ref, thumb.width, thumb.height, thumb_digest),
    ]
    return assets, fields, []


def render_article(item: ContentItem, config: WeChatConfig, context: RenderContext) -> Article:
    spec = wechat_spec(item) or TargetSpec()
    images = _Images(item, context.image_cache)
    body_images = _BodyImages(images)
    notes: list[Note] = []
    if not load_theme(config.theme)[1]:
        notes.append(Note("wechat-theme-unknown", f"排版主题“{config.theme}”不存在，已使用默认主题", warning=True))
    attachments = published_attachments(item, context.matrix)
    content = article_html(item, body_images, config.theme, attachments,
                           article_url(item, context.matrix) if attachments else "")
    depth = too_deep(content)
    if depth is not None:
        notes.append(Note("wechat-too-deep", f"正文的层级嵌套过深（{depth} 层，上限 {MAX_HTML_DEPTH} 层），请简化正文中的 HTML"))
    cover_assets, cover_fields, cover_notes = _cover(item, images, body_images)
    if spec.content_source_url:
        source_url = spec.content_source_url
    elif config.content_source:
        source_url = article_url(item, context.matrix)
    else:
        source_url = ""
    payload = {
        "title": spec.title or item.meta.title,
        "author": spec.author or item.meta.author or config.author or "",
        "digest": spec.digest or item.meta.summary or derive_digest(item.body),
        "content": content,
        "content_source_url": source_url,
        "need_open_comment": int(config.need_open_comment),
        "only_fans_can_comment": int(config.only_fans_can_comment),
        "pic_crop_235_1": cover_fields.get("pic_crop_235_1", ""),
        "pic_crop_1_1": cover_fields.get("pic_crop_1_1", ""),
        "cover": cover_fields.get("cover"),
        "thumb": cover_fields.get("thumb"),
    }
    for ref in body_images.remote:
        notes.append(Note("wechat-remote-image", f"微信正文不能引用外部图片“{ref}”，已移除；请把图片放进条目文件夹", ref))
    notes.extend(images.notes)
    notes.extend(cover_notes)
    assets = list({a.name: a for a in body_images.assets.values()}.values()) + cover_assets
    return Article(payload, assets, notes)
