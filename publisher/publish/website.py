"""The office's website as a whole: built and deployed through the channel whose capabilities
say it is the website (`Channel.build_pages`, `Channel.deploy_pages`).

DESIGN decision 8: the pages are exactly the website account's publications the ledger holds as
published, not retracted, not expired (`build_website`, publisher.publish.live). The only build
from files is `build_preview`: items that pass every check, never deployed.
"""

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


def website(matrix: Matrix) -> Channel:
    channel = website_channel(matrix)
    if channel is None:
        raise NoWebsite("publisher.toml 中没有网站账号（渠道能力为“网站”的账号），无法生成网站")
    return channel


@dataclass
class WebsiteBuild:
    folder: Path
    report: Any  # the channel's build report (pages, written, unchanged, removed, problems)
    channel: Channel
    live: int = 0  # published items on the site
    blocked: int = 0  # preview only: items left out because they do not pass the checks


def build_website(
    content_root: Path,
    matrix: Matrix,
    settings: Settings,
    *,
    out: Path | None = None,
    now: datetime | None = None,
    workers: int | None = None,
) -> WebsiteBuild:
    """Rebuild the website into `out` (default: the website account's folder) from the ledger."""
    from publisher.ledger import open_ledger
    from publisher.publish.live import live_items
    from publisher.settings import ensure_private_dir

    channel = website(matrix)
    folder = (out or channel.pages_dir() or settings.site_dir).resolve()
    moment = now or datetime.now(matrix.tz)
    if settings.database_url is None:
        ensure_private_dir(settings.state_dir)
    with open_ledger(settings.resolved_database_url) as ledger:
        live = live_items(ledger, settings.state_dir, channel.account.id, moment)
    report = channel.build_pages(
        content_root, folder, now=moment, workers=workers, image_dir=image_cache_in(settings.state_dir).folder,
        items=live.items, from_ledger=True,
    )
    report.problems[:0] = live.problems
    return WebsiteBuild(folder, report, channel, live=len(live.items))


def build_preview(
    content_root: Path,
    matrix: Matrix,
    settings: Settings,
    *,
    out: Path | None = None,
    now: datetime | None = None,
    workers: int | None = None,
) -> WebsiteBuild:
    """A local preview from the working tree's files: only items that pass every check (a
    blocked item has no page, not even here), into `<state>/site-preview/` by default."""
    from publisher.checks import check_items

    channel = website(matrix)
    folder = (out or settings.state_dir / "site-preview").resolve()
    published = channel.pages_dir() or settings.site_dir
    if folder == published.resolve():
        raise NoWebsite(f"预览不能写入网站发布目录 {folder}，请用 --out 指定其他目录")
    checked = check_items(content_root, matrix, settings=settings, strict_review=True)
    blocked = {f.path for f in checked.errors}
    items = [item for item in checked.items if item.display_path not in blocked]
    report = channel.build_pages(content_root, folder, now=now, workers=workers,
                                 image_dir=image_cache_in(settings.state_dir).folder, items=items)
    return WebsiteBuild(folder, report, channel, live=len(items), blocked=len(blocked))


def freeze_reason(matrix: Matrix, settings: Settings) -> str | None:
    """Why the website may not be deployed now (a freeze covering its account), or None."""
    from publisher.ledger import open_ledger
    from publisher.publish.live import stopped_by_freeze

    with open_ledger(settings.resolved_database_url) as ledger:
        return stopped_by_freeze(ledger, website(matrix).account.id)
