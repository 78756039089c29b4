"""One self-contained HTML page showing an item in every form it will take, side by side — each
target account's pane drawn by its channel (`Channel.preview`: an article on a phone-sized
screen, a post card with its count, the web page in a frame…) — and every check finding on top.

Self-contained: images are inlined as data: URIs, so the file opens anywhere (file://, mail
attachment) with nothing next to it. No JavaScript; a Content-Security-Policy forbids it, and
all item text goes through Jinja2 autoescaping. The only HTML inserted unescaped is what the
renderers produced, which has been through the nh3 allow-list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from channels.base import Rendition
from publisher.content.findings import Finding
from publisher.content.matrix import Account, Matrix
from publisher.content.model import ContentItem
from publisher.content.targets import targets_for
from publisher.render.images import ImageCache
from publisher.render.renditions import RenderingError, channel_for
from publisher.settings import Settings


@dataclass
class TargetView:
    account: Account
    channel_title: str
    rendition: Rendition | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    pane: Markup | None = None  # the channel's own view of the rendition (`Channel.preview`)


def _view(item: ContentItem, matrix: Matrix, account: Account, cache: ImageCache | None, when: datetime) -> TargetView:
    try:
        channel = channel_for(account, matrix, cache)
    except RenderingError as exc:
        return TargetView(account, account.channel, error=str(exc))
    view = TargetView(account, channel.title)
    try:
        rendition = channel.render(item)
        view.rendition, view.findings = rendition, channel.check(item, rendition)
        view.pane = Markup(channel.preview(item, rendition, when))  # noqa: S704 - autoescaped by the channel
    except Exception as exc:  # a renderer bug must not hide the other channels
        view.error = f"生成失败：{type(exc).__name__}: {exc}"
    return view


def editorial_findings(item: ContentItem, matrix: Matrix, settings: Settings | None) -> list[Finding]:
    """The editorial checks (publisher.checks) when installed; else none."""
    try:
        from publisher.checks import CheckContext, run_item_checks
    except ImportError:
        return []
    if item.trail is None:
        from publisher.content.history import attach_trails

        attach_trails([item], item.root, matrix.review)
    return run_item_checks(item, CheckContext.build(matrix, settings))


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("publisher.office", "templates"),
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
    when = item.meta.publish_at.astimezone(matrix.tz)
    accounts = targets_for(item, matrix)
    views = [_view(item, matrix, account, image_cache, when) for account in accounts]
    checks = editorial_findings(item, matrix, settings)
    channel_findings = [(v, f) for v in views for f in v.findings]
    errors = sum(f.is_error for f in checks) + sum(f.is_error for _, f in channel_findings)
    return _environment().get_template("preview.html.j2").render(
        item=item,
        meta=item.meta,
        when=when,
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
