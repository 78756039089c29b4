"""One article page, rendered purely: the item (and its image files) in, the page's HTML, its
list entry (what indexes, feeds and the sitemap show) and its image files out.

Images: every picture becomes a few JPEG/PNG variants (`srcset` widths, e.g. 480/960/1600)
through `publisher.render.images`, so orientation is applied and EXIF/GPS dropped. Variants are named by
their own content hash under `/media/` (`/media/3f/a2b4c6d8e0f1-960.jpg`): a picture used by many
articles is stored once, a file that exists never needs rewriting, and browsers may cache forever.
"""

from __future__ import annotations

import hashlib
import io
import math
import mimetypes
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote, unquote

from markupsafe import Markup
from PIL import Image

from channels.base import Asset
from channels.site import theme
from channels.site.config import DEFAULT_WIDTHS
from publisher.content.attachments import Attachment, published_attachments, size_text
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.content.urls import article_path, item_column
from publisher.render.images import (
    ImageCache,
    ImageProblem,
    PreparedImage,
    file_identity,
    inspect,
    locate_local,
    read_checked,
)
from publisher.render.markdown import plain_text, render_body

MEDIA = "media"
FILES = "files"
PLACEHOLDER = "asset:site-image/"
SIZES = "(min-width: 46em) 40em, 100vw"
SUMMARY_CHARS = 120
_IMG = re.compile(r'<img((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*/?>')
_ATTR = re.compile(r'([\w:-]+)(?:="([^"]*)")?')
_HEADING = re.compile(r"<(/?)h([1-6])>")
_ANCHOR = re.compile(r'<a((?:\s+[\w:-]+(?:="[^"]*")?)*)>')
_ALIGN = re.compile(r' style="text-align:\s*(left|center|right);?"')
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class SiteRenderError(Exception):
    """An item that cannot become a page; the message is for editors (Chinese)."""


@dataclass(frozen=True)
class Entry:
    """What a list page, a feed and the sitemap know about one article."""

    id: str
    path: str
    title: str
    summary: str
    column: str
    published: str  # ISO 8601 with offset
    department: str
    author: str
    tags: list[str] = field(default_factory=list)
    expires: str | None = None

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)

    def to_dict(self) -> dict:
        """`dataclasses.asdict(self)`, written out: asdict's recursive copy was a tenth of a
        page's render (tests/channels/site/test_site_render.py holds the two equal)."""
        return {
            "id": self.id, "path": self.path, "title": self.title, "summary": self.summary, "column": self.column,
            "published": self.published, "department": self.department, "author": self.author,
            "tags": list(self.tags), "expires": self.expires,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Entry:
        return cls(**{**data, "tags": list(data.get("tags", []))})


@dataclass(frozen=True)
class ArticlePage:
    entry: Entry
    html: str
    assets: tuple[Asset, ...]


@dataclass(frozen=True)
class Picture:
    """One source picture as responsive variants, smallest first."""

    variants: tuple[Asset, ...]

    def tag(self, page_path: str, alt: str, extra: str = "", *, lazy: bool = True) -> str:
        largest = self.variants[-1]
        srcset = ", ".join(f"{theme.relative(page_path, '/' + v.name)} {v.width}w" for v in self.variants)
        src = theme.relative(page_path, "/" + self.variants[min(1, len(self.variants) - 1)].name)
        loading = ' loading="lazy"' if lazy else ""
        return (
            f'<img src="{src}" srcset="{srcset}" sizes="{SIZES}" width="{largest.width}" '
            f'height="{largest.height}" alt="{alt}"{extra}{loading} decoding="async">'
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


class PictureMaker:
    """Finds an item's picture files and prepares their variants (through the cache).

    A picture is known by its file identity (device, inode, size, mtime): within a process the
    memo below answers for a file already seen (one photo used by many articles), and across
    builds the image cache's source index gives its hash and size, so an unchanged picture is
    neither read, nor hashed, nor decoded again — its variants come straight from the cache."""

    def __init__(self, item: ContentItem, cache: ImageCache, widths: tuple[int, ...], quality: int):
        self.item, self.cache = item, cache
        self.widths, self.quality = tuple(sorted(set(widths))), quality
        self.assets: dict[str, Asset] = {}

    def make(self, ref: str, role: str, *, url_encoded: bool = False) -> Picture:
        try:
            path = locate_local(self.item.folder, ref, url_encoded=url_encoded)
            identity = file_identity(path)
        except ImageProblem as exc:
            raise SiteRenderError(exc.message) from None
        except OSError:
            raise SiteRenderError(f"找不到图片“{ref}”（应与 index.md 在同一文件夹）") from None
        memo_key = (identity, self.widths, self.quality, role)
        picture = _RECENT.get(memo_key)
        if picture is None:
            picture = self._from_index(identity, role) or self._prepare(ref, path, identity, role, url_encoded)
            _RECENT.put(memo_key, picture)
        for asset in picture.variants:
            self.assets[asset.name] = replace(asset, source=ref)
        return picture

    def _from_index(self, identity: tuple[int, int, int, int], role: str) -> Picture | None:
        known = self.cache.source_info(identity)
        if known is None:
            return None
        sha, width, height = known
        # The oriented size: the same decode scale as the stored one (no variant is cropped).
        found = self.cache.cached_many(sha, (width, height), self._options(width, height))
        if any(image is None for image in found):
            return None  # made from the file: one decode for those missing, the rest from the cache
        return self._variants(found, role)  # type: ignore[arg-type]

    def _prepare(self, ref: str, path, identity: tuple[int, int, int, int], role: str, url_encoded: bool) -> Picture:
        try:
            data = read_checked(path, unquote(ref) if url_encoded else ref)
        except ImageProblem as exc:
            raise SiteRenderError(exc.message) from None
        try:
            _, width, height = inspect(data)
            with Image.open(io.BytesIO(data)) as im:
                orientation = im.getexif().get(0x0112)
        except ImageProblem as exc:
            raise SiteRenderError(f"图片“{ref}”：{exc.message}") from None
        except Exception:
            orientation = None
        if orientation in _ROTATED:
            width, height = height, width
        try:
            # All widths of the picture from one decode (ImageCache.prepare_many).
            prepared = self.cache.prepare_many(data, self._options(width, height))
        except ImageProblem as exc:
            raise SiteRenderError(f"图片“{ref}”：{exc.message}") from None
        picture = self._variants(prepared, role)
        self.cache.remember_source(identity, hashlib.sha256(data).hexdigest(), width, height)
        return picture

    def _options(self, width: int, height: int) -> list[dict]:
        """The variants' settings for a picture of this (oriented) size: one per width below
        the picture's own, and the largest (the picture's width, or the widest)."""
        long_side = max(width, height)
        targets = [w for w in self.widths if w < width] + [min(width, self.widths[-1])]
        return [{"max_side": None if target >= width else math.ceil(target * long_side / width), "quality": self.quality}
                for target in sorted(set(targets))]

    def _variants(self, prepared: list[PreparedImage], role: str) -> Picture:
        variants: list[Asset] = []
        for result in prepared:
            if variants and result.width <= variants[-1].width:
                continue
            digest = hashlib.sha256(result.data).hexdigest()
            name = f"{MEDIA}/{digest[:2]}/{digest[2:14]}-{result.width}.{result.extension}"
            variants.append(Asset(name, result.data, result.media_type, role if not variants else "variant",
                                  "", result.width, result.height))
        return Picture(tuple(variants))


class RecentPictures:
    """The last pictures prepared in this process, up to a byte budget: a photo many articles
    share (a logo, a banner, a press photo reused) is read from the image cache once, not per
    article. Pure: the key is the source bytes' hash and the settings."""

    def __init__(self, budget: int = 32 * 1024 * 1024):
        self.budget, self.used = budget, 0
        self.entries: OrderedDict[tuple, Picture] = OrderedDict()

    def get(self, key: tuple) -> Picture | None:
        picture = self.entries.get(key)
        if picture is not None:
            self.entries.move_to_end(key)
        return picture

    def put(self, key: tuple, picture: Picture) -> None:
        size = sum(len(a.data) for a in picture.variants)
        if size > self.budget // 4:
            return
        self.entries[key] = picture
        self.used += size
        while self.used > self.budget:
            _, dropped = self.entries.popitem(last=False)
            self.used -= sum(len(a.data) for a in dropped.variants)


_RECENT = RecentPictures()


def _shift_headings(html: str) -> str:
    """The page's title is the only h1: body headings start at h2, keeping their order."""
    levels = [int(m[2]) for m in _HEADING.finditer(html)]
    if not levels or min(levels) >= 2:
        return html
    shift = 2 - min(levels)
    return _HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + shift)}>", html)


def _drop_rel_without_href(match: re.Match) -> str:
    """A link whose target the sanitizer refused keeps its text; `rel` without `href` is invalid."""
    attrs = match[1]
    if " href=" in attrs:
        return match[0]
    return "<a" + re.sub(r'\s+rel="[^"]*"', "", attrs) + ">"


def summary_of(item: ContentItem) -> str:
    if item.meta.summary:
        return item.meta.summary
    text = ""
    for line in (" ".join(part.split()) for part in plain_text(item.body).split("\n")):
        # Chinese paragraphs join without a space; Latin text keeps one between sentences.
        if text and line and (text[-1].isascii() or line[0].isascii()):
            text += " "
        text += line
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def entry_of(item: ContentItem, matrix: Matrix) -> Entry:
    meta = item.meta
    return Entry(
        id=item.id,
        path=article_path(item, matrix),
        title=meta.title,
        summary=summary_of(item),
        column=item_column(item, matrix),
        published=meta.publish_at.astimezone(matrix.tz).isoformat(),
        department=meta.department,
        author=meta.author,
        tags=list(meta.tags),
        expires=meta.expire_at.astimezone(matrix.tz).isoformat() if meta.expire_at else None,
    )


def _cover_in_body(item: ContentItem, refs: list[str]) -> bool:
    """Whether the body already shows the cover picture: then the page shows it once, where the
    editor put it (with its caption), not again above the body."""
    try:
        cover = locate_local(item.folder, item.meta.cover or "")
    except ImageProblem:
        return False
    for ref in refs:
        try:
            if locate_local(item.folder, ref, url_encoded=True) == cover:
                return True
        except ImageProblem:
            continue
    return False


def attachment_assets(attachments: list[Attachment]) -> dict[str, Asset]:
    """Each attachment as a file under `/files/`, named by its content hash and keeping its own
    file name (so a download saves as “附件1-案例申报表.docx”). Same bytes and name: one file,
    however many articles link to it; retracting an article removes the files only it used."""
    assets: dict[str, Asset] = {}
    for attachment in attachments:
        data = attachment.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        name = f"{FILES}/{digest[:2]}/{digest[2:14]}/{attachment.file_name}"
        media_type = mimetypes.guess_type(attachment.file_name)[0] or "application/octet-stream"
        assets[attachment.ref.target] = Asset(name, data, media_type, "attachment", attachment.ref.target)
    return assets


def _attachment_list(attachments: list[Attachment], assets: dict[str, Asset], page_path: str) -> list[dict]:
    return [
        {
            "href": quote(theme.relative(page_path, "/" + assets[a.ref.target].name)),
            "title": f"附件{a.number}：{a.label}.{a.extension}",
            "download": f"{a.label}.{a.extension}",
            "type": a.type_name,
            "size": size_text(a.size),
        }
        for a in attachments
    ]


def render_article(
    item: ContentItem,
    matrix: Matrix,
    *,
    image_cache: ImageCache | None = None,
    widths: tuple[int, ...] = DEFAULT_WIDTHS,
    quality: int = 82,
) -> ArticlePage:
    """Render one item's page. Raises SiteRenderError (Chinese message) for a bad item."""
    entry = entry_of(item, matrix)
    if matrix.columns and matrix.column(entry.column) is None:
        raise SiteRenderError(f"栏目“{entry.column}”未在 publisher.toml 中定义")
    page_path = entry.path
    pictures = PictureMaker(item, image_cache or ImageCache(None), widths, quality)

    refs: list[str] = []

    def image_src(ref: str) -> str:
        if ref not in refs:
            refs.append(ref)
        return f"{PLACEHOLDER}{refs.index(ref)}"

    attachments = published_attachments(item, matrix)
    files = attachment_assets(attachments)

    def link_href(href: str) -> str:
        asset = files.get(unquote(href.split("#", 1)[0].split("?", 1)[0]))
        return quote(theme.relative(page_path, "/" + asset.name)) if asset is not None else href

    body = render_body(item.body, image_src=image_src, link_href=link_href)
    made = [pictures.make(ref, "body", url_encoded=True) for ref in refs]

    def replace_img(match: re.Match) -> str:
        attrs = dict(_ATTR.findall(match[1]))
        src = attrs.get("src", "")
        if not src.startswith(PLACEHOLDER):
            return ""  # an image whose source the sanitizer refused
        picture = made[int(src[len(PLACEHOLDER):])]
        title = f' title="{attrs["title"]}"' if attrs.get("title") else ""
        return picture.tag(page_path, attrs.get("alt", ""), title)

    html = _IMG.sub(replace_img, body.html)
    html = _ANCHOR.sub(_drop_rel_without_href, html)
    html = _ALIGN.sub(lambda m: f' class="align-{m[1]}"', _shift_headings(html))

    cover = None
    if item.meta.cover and not _cover_in_body(item, refs):
        cover = pictures.make(item.meta.cover, "cover").tag(page_path, _escape(entry.title), lazy=False)

    column = matrix.column(entry.column)
    published = item.meta.publish_at
    page = theme.render(
        "article.html.j2",
        **theme.page_frame(page_path, matrix, title=entry.title, description=entry.summary, current=entry.column),
        entry=entry,
        column_name=column.name if column else entry.column,
        column_href=theme.relative(page_path, theme.column_index_path(entry.column)),
        published_text=theme.display_time(published, matrix),
        published_machine=theme.machine_time(published, matrix),
        cover=Markup(cover) if cover else None,
        body=Markup(html),
        attachments=_attachment_list(attachments, files, page_path),
    )
    assets = {**pictures.assets, **{a.name: a for a in files.values()}}
    return ArticlePage(entry, page, tuple(assets[name] for name in sorted(assets)))
