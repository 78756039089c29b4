"""From an item to its renditions: the channel object that renders it for each target account
(`publisher.content.targets`). Preview, check, plan and publish all come through here, so they
agree."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from channels.base import Channel, RenderContext, Rendition
from channels.registry import channel_class
from publisher.content.matrix import Account, Matrix
from publisher.content.model import ContentItem
from publisher.content.validation import describe_error
from publisher.render.images import ImageCache


class RenderingError(Exception):
    """An account cannot render (unknown channel, invalid options); the message is for editors."""


def channel_for(account: Account, matrix: Matrix, image_cache: ImageCache | None = None) -> Channel:
    """The channel object for one account; raises RenderingError with an editor's sentence."""
    cls = channel_class(account.channel)
    if cls is None:
        raise RenderingError(f"账号“{account.id}”的渠道“{account.channel}”不可用（未安装或无法加载）")
    try:
        return cls(account, RenderContext(matrix=matrix, image_cache=image_cache))
    except ValidationError as exc:
        problems = "；".join(describe_error(e)[1] for e in exc.errors())
        raise RenderingError(f"账号“{account.id}”的设置（accounts.options）有误：{problems}") from None


def sandboxed(account: Account, sandbox_url: str | None) -> Account:
    """The account pointed at the local sandbox server (demo, tests), when its channel has one."""
    cls = channel_class(account.channel)
    options = cls.sandbox_options(sandbox_url) if cls is not None and sandbox_url else {}
    if not options:
        return account
    return account.model_copy(update={"options": {**account.options, **options}})


def website_channel(matrix: Matrix) -> Channel | None:
    """The channel object of the office's website: the first account (default ones first) whose
    channel builds the site's pages; None when the matrix has no website."""
    accounts = sorted(matrix.accounts, key=lambda a: not a.default)
    for account in accounts:
        cls = channel_class(account.channel)
        if cls is not None and cls.capabilities.is_website:
            return channel_for(account, matrix)
    return None


def website_dir(matrix: Matrix, default: Path) -> Path:
    """Where the website's pages are: its channel's folder, else `default`."""
    try:
        channel = website_channel(matrix)
    except RenderingError:
        channel = None
    folder = channel.pages_dir() if channel is not None else None
    return folder or default


def render_item(
    item: ContentItem, matrix: Matrix, account: Account, image_cache: ImageCache | None = None
) -> Rendition:
    return channel_for(account, matrix, image_cache).render(item)


def render_and_check(
    item: ContentItem, matrix: Matrix, account: Account, image_cache: ImageCache | None = None
):
    """(rendition, findings) from one channel object, so check() reuses what render() noticed."""
    return render_and_check_with(channel_for(account, matrix, image_cache), item)


def render_and_check_with(channel: Channel, item: ContentItem):
    """`render_and_check` with a channel object the caller keeps (a check run makes one per account)."""
    rendition = channel.render(item)
    return rendition, channel.check(item, rendition)


def image_cache_in(state_dir) -> ImageCache:
    """The shared prepared-image cache under the state folder."""
    return ImageCache(Path(state_dir) / "cache" / "images")
