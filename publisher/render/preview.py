"""One self-contained HTML page showing an item in every form it will take, side by side: the
WeChat article on a phone-sized screen, the Weibo card with its count, the site article, and
every check finding on top.

Self-contained: images are inlined as data: URIs, so the file opens anywhere (file://, mail
attachment) with nothing next to it. No JavaScript; a Content-Security-Policy forbids it, and
all item text goes through Jinja2 autoescaping. The only HTML inserted unescaped is what the
renderers produced, which has been through the nh3 allow-list.
"""

from __future__ import annotations

import base64
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from channels.base import Rendition
from channels.weibo.length import URL_PATTERN
from publisher.content.findings import Finding
from publisher.content.matrix import Account, Matrix
from publisher.content.model import ContentItem
from publisher.content.urls import article_url
from publisher.render.images import ImageCache, ImageProblem, is_remote, read_local
from publisher.render.markdown import render_body
from publisher.render.renditions import RenderingError, channel_for, targets_for
from publisher.settings import Settings

_ASSET_SRC = re.compile(r'src="asset:([^"]+)"')
_SITE_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>', re.IGNORECASE)
_SITE_STYLESHEET = re.compile(r'<link rel="stylesheet"[^>]*>')
_SRCSET = re.compile(r'\s(?:srcset|sizes)="[^"]*"')
_SRC = re.compile(r'src="([^":]+)"')  # relative image paths only
_PREVIEW_SRC = re.compile(r'src="asset:preview/(\d+)"')
SITE_IMAGE = {"max_side": 960, "max_bytes": 400 * 1024, "quality": 82}


@dataclass
class TargetView:
    account: Account
    channel_title: str
    rendition: Rendition | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    body: Markup | None = None  # WeChat article / site page body, images inlined
    text_parts: list[tuple[str, bool]] = field(default_factory=list)  # Weibo: (text, is_link)
    picture: str | None = None  # data: URI of the cover / Weibo picture
    page: str | None = None  # the site channel's own page, self-contained, for <iframe srcdoc>


def data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def inline_assets(html: str, rendition: Rendition) -> Markup:
    """Swap `asset:NAME` references for data: URIs; unknown names lose their src."""

    def swap(match: re.Match) -> str:
        asset = rendition.asset(match.group(1))
        return f'src="{data_uri(asset.media_type, asset.data)}"' if asset else 'src=""'

    return Markup(_ASSET_SRC.sub(swap, html))  # noqa: S704 - renderer output, sanitized by nh3


def _weibo_parts(text: str) -> list[tuple[str, bool]]:
    parts, position = [], 0
    for match in URL_PATTERN.finditer(text):
        parts += [(text[position : match.start()], False), (match.group(0), True)]
        position = match.end()
    return [p for p in parts + [(text[position:], False)] if p[0]]


def site_article(item: ContentItem, cache: ImageCache | None) -> Markup:
    """A plain article rendering (the site channel builds the real page)."""
    cache = cache or ImageCache(None)
    inlined: list[str] = []

    def image(ref: str) -> str | None:
        if is_remote(ref):
            return None
        try:
            prepared = cache.prepare(read_local(item.folder, ref, url_encoded=True), **SITE_IMAGE)
        except ImageProblem:
            return None
        inlined.append(data_uri(prepared.media_type, prepared.data))
        return f"asset:preview/{len(inlined) - 1}"

    html = render_body(item.body, image_src=image).html
    # data: is not an allowed URL scheme in the sanitizer, so it is swapped in afterwards.
    return Markup(_PREVIEW_SRC.sub(lambda m: f'src="{inlined[int(m.group(1))]}"', html))  # noqa: S704


def site_page(rendition: Rendition) -> str | None:
    """The site channel's real article page made self-contained: its stylesheet inlined, its
    images as data: URIs. Shown in a sandboxed `<iframe srcdoc>` (no scripts, no origin)."""
    html, path = rendition.payload.get("html"), rendition.payload.get("path")
    if not html or not path:
        return None
    try:
        from channels.site.theme import stylesheet

        css = stylesheet().decode("utf-8")
    except (ImportError, OSError):
        css = ""
    folder = posixpath.dirname(path)

    def image(match: re.Match) -> str:
        name = posixpath.normpath(posixpath.join(folder, match.group(1))).lstrip("/")
        asset = rendition.asset(name)
        return f'src="{data_uri(asset.media_type, asset.data)}"' if asset else 'src=""'

    html = _SITE_CSP.sub("", html)  # the parent page's policy applies to the frame instead
    html = _SITE_STYLESHEET.sub(lambda _: f"<style>{css}</style>", html)
    html = _SRCSET.sub("", html)
    return _SRC.sub(image, html)


def _view(item: ContentItem, matrix: Matrix, account: Account, cache: ImageCache | None) -> TargetView:
    try:
        channel = channel_for(account, matrix, cache)
    except RenderingError as exc:
        if account.channel == "site":  # the site channel missing: still show the article
            return TargetView(account, "门户网站", body=site_article(item, cache))
        return TargetView(account, account.channel, error=str(exc))
    view = TargetView(account, channel.title)
    try:
        rendition = channel.render(item)
        view.rendition, view.findings = rendition, channel.check(item, rendition)
    except Exception as exc:  # a renderer bug must not hide the other channels
        view.error = f"生成失败：{type(exc).__name__}: {exc}"
        return view
    payload = rendition.payload
    if account.channel == "wechat":
        view.body = inline_assets(str(payload.get("content", "")), rendition)
        cover = rendition.asset(payload.get("cover") or "")
    elif account.channel == "weibo":
        view.text_parts = _weibo_parts(str(payload.get("text", "")))
        cover = next((a for a in rendition.assets if a.role == "picture"), None)
    else:
        view.page = site_page(rendition)
        view.body = None if view.page else site_article(item, cache)
        cover = None
    if cover is not None:
        view.picture = data_uri(cover.media_type, cover.data)
    return view


def editorial_findings(item: ContentItem, matrix: Matrix, settings: Settings | None) -> list[Finding]:
    """The editorial checks (publisher.checks) when installed; else none."""
    try:
        from publisher.checks import CheckContext, run_item_checks
    except ImportError:
        return []
    return run_item_checks(item, CheckContext.build(matrix, settings))


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("publisher.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_preview(
    item: ContentItem,
    matrix: Matrix,
    *,
    settings: Settings | None = None,
    image_cache: ImageCache | None = None,
    now: datetime | None = None,
) -> str:
    """The preview page of one item for all of its target accounts."""
    accounts = targets_for(item, matrix)
    views = [_view(item, matrix, account, image_cache) for account in accounts]
    checks = editorial_findings(item, matrix, settings)
    channel_findings = [(v, f) for v in views for f in v.findings]
    errors = sum(f.is_error for f in checks) + sum(f.is_error for _, f in channel_findings)
    when = item.meta.publish_at.astimezone(matrix.tz)
    return _environment().get_template("preview.html.j2").render(
        item=item,
        meta=item.meta,
        when=when,
        site_url=article_url(item, matrix),
        site_title=matrix.site.title,
        views=views,
        checks=checks,
        channel_findings=channel_findings,
        errors=errors,
        warnings=len(checks) + len(channel_findings) - errors,
        generated=(now or datetime.now(matrix.tz)).strftime("%Y-%m-%d %H:%M"),
    )


def write_preview(item: ContentItem, matrix: Matrix, out: Path, **options) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_preview(item, matrix, **options), "utf-8")
    return out
