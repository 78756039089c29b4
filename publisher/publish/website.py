"""The office's website as a whole: built and deployed through the channel whose capabilities
say it is the website (`Channel.build_pages`, `Channel.deploy_pages`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from channels.base import Channel
from publisher.content.matrix import Matrix
from publisher.render.renditions import image_cache_in, website_channel
from publisher.settings import Settings


class NoWebsite(LookupError):
    """The matrix has no website account; the message is for editors."""


@dataclass
class WebsiteBuild:
    folder: Path
    report: Any  # the channel's build report (pages, written, unchanged, removed, problems)
    channel: Channel


def website(matrix: Matrix) -> Channel:
    channel = website_channel(matrix)
    if channel is None:
        raise NoWebsite("publisher.toml 中没有网站账号（渠道能力为“网站”的账号），无法生成网站")
    return channel


def build_website(
    content_root: Path,
    matrix: Matrix,
    settings: Settings,
    *,
    out: Path | None = None,
    now: datetime | None = None,
    workers: int | None = None,
) -> WebsiteBuild:
    """Build every page of the website into `out` (default: the website account's folder)."""
    channel = website(matrix)
    folder = (out or channel.pages_dir() or settings.site_dir).resolve()
    report = channel.build_pages(
        content_root, folder, now=now, workers=workers, image_dir=image_cache_in(settings.state_dir).folder
    )
    return WebsiteBuild(folder, report, channel)
