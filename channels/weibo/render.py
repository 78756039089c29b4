"""A content item as a Weibo post: the text with the item's site link, and one picture.

The text is the editor's `targets.weibo.text` when given (used as written, never cut), else
“【标题】摘要” with a summary derived from the body when the item has none (only the derived part
is shortened to fit). The site URL goes last: `statuses/share` requires a link on the app's
registered safe domain, and the article page is the natural one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from channels.base import Asset, RenderContext
from channels.weibo.length import fit, weibo_length
from publisher.content.attachments import Attachment, published_attachments
from publisher.content.model import ContentItem, TargetSpec
from publisher.content.urls import article_url
from publisher.render.images import ImageCache, ImageProblem, is_remote, locate_local
from publisher.render.markdown import plain_text, render_body

PICTURE = {"max_side": 2048, "max_bytes": 5 * 1024 * 1024 - 1, "quality": 88}


@dataclass(frozen=True)
class Note:
    code: str
    message: str
    ref: str | None = None
    warning: bool = False


@dataclass
class Post:
    payload: dict
    assets: list[Asset]
    notes: list[Note] = field(default_factory=list)


def weibo_spec(item: ContentItem) -> TargetSpec | None:
    return (item.meta.targets or {}).get("weibo")


def attachments_note(attachments: list[Attachment], room: float) -> str:
    """The attachments as text (a post cannot carry files): their names when they fit in `room`,
    else how many; the link that follows leads to the page that has them."""
    if not attachments:
        return ""
    names = f"（附件：{'、'.join(f'{a.label}.{a.extension}' for a in attachments)}，见链接）"
    return names if weibo_length(names) <= room else f"（附件{len(attachments)}个，见链接）"


def post_text(item: ContentItem, url: str, limit: int, url_weight: float | None,
              attachments: list[Attachment] | None = None) -> str:
    spec = weibo_spec(item)
    attachments = attachments or []
    if spec is not None and spec.text:
        head = spec.text
        note = attachments_note(attachments, limit - weibo_length(f"{head} {url}", url_weight))
        if weibo_length(f"{head}{note} {url}", url_weight) <= limit:
            head += note  # the editor's words are never cut; the note only goes where it fits
    else:
        head = f"【{item.meta.title}】"
        summary = item.meta.summary or " ".join(plain_text(item.body).split())
        # Room left for the summary: the limit minus the title, the link and one space.
        room = limit - weibo_length(f"{head} {url}", url_weight)
        note = attachments_note(attachments, room / 2)
        if item.meta.summary is None:
            summary = fit(summary, max(room - weibo_length(note), 0))
        elif weibo_length(summary + note) > room:
            note = attachments_note(attachments, 0)  # the short form, or nothing
            note = note if weibo_length(summary + note) <= room else ""
        head += summary + note
    return f"{head} {url}"


def _picture_ref(item: ContentItem) -> tuple[str, bool] | None:
    """(reference, url_encoded): the cover, else the first local body image."""
    if item.meta.cover:
        return item.meta.cover, False
    refs = render_body(item.body).images
    local = next((ref for ref in refs if not is_remote(ref)), None)
    return (local, True) if local else None


def _picture(item: ContentItem, cache: ImageCache | None) -> tuple[list[Asset], list[Note]]:
    found = _picture_ref(item)
    if found is None:
        return [], []
    ref, encoded = found
    cache = cache or ImageCache(None)
    try:
        source = cache.source(locate_local(item.folder, ref, url_encoded=encoded), unquote(ref) if encoded else ref)
        prepared = cache.prepare_source(source, **PICTURE, fmt="PNG" if source.format == "PNG" else "JPEG")
    except ImageProblem as problem:
        return [], [Note(f"weibo-{problem.code}", f"微博配图“{ref}”：{problem.message}", ref)]
    digest = prepared.sha256
    name = f"picture/{digest[:16]}.{prepared.extension}"
    asset = Asset(name, prepared.data, prepared.media_type, "picture", ref, prepared.width, prepared.height, digest)
    return [asset], []


def render_post(item: ContentItem, context: RenderContext, *, limit: int, url_weight: float | None) -> Post:
    url = article_url(item, context.matrix)
    text = post_text(item, url, limit, url_weight, published_attachments(item, context.matrix))
    payload = {"text": text, "length": weibo_length(text, url_weight), "limit": limit, "url": url}
    assets, notes = _picture(item, context.image_cache)
    return Post(payload, assets, notes)
