"""Reach: ask each channel for the figures of what it published, and keep them in the ledger.

    report = pull_reach(runtime)                 # every published row of 30 days, on channels
                                                 # whose capabilities say `has_reach`
    report = pull_reach(runtime, since=timedelta(days=7), now=...)

A periodic step (Celery beat, `publisher reach`): each channel reports what its platform offers
(reads and shares, reposts, comments, likes; some only from the day after publishing). Every
call is a read, safe to repeat; one row's trouble never stops the others. The ledger stores a new
measurement only when the figures changed (`Ledger.record_reach`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from channels.registry import available
from publisher.ledger import State

if TYPE_CHECKING:
    from channels.base import Channel
    from publisher.ledger import Publication
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

# Figures keep moving for a few weeks after publishing; older posts are not asked again.
DEFAULT_WINDOW = timedelta(days=30)


@dataclass
class ReachReport:
    checked: int = 0  # publications asked
    stored: int = 0  # new measurements written
    unchanged: int = 0  # same figures as last time
    unavailable: int = 0  # the channel has no figures yet (some platforms: not before the next day)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"查询 {self.checked} 条发布记录：新数据 {self.stored} 条，无变化 {self.unchanged} 条，"
            f"暂无数据 {self.unavailable} 条"
        )
        return text + (f"，出错 {len(self.errors)} 条" if self.errors else "")


def reach_channels() -> tuple[str, ...]:
    """The installed channels that report reach figures."""
    return tuple(name for name, cls in available().items() if cls.capabilities.has_reach)


def pull_reach(
    runtime: Runtime,
    *,
    now: datetime | None = None,
    since: datetime | timedelta | None = None,
    channels: tuple[str, ...] | None = None,
) -> ReachReport:
    """Ask the channels for the figures of every publication published since `since`."""
    from publisher.publish.context import context_for

    now = now or runtime.now()
    if since is None:
        since = DEFAULT_WINDOW
    start = now - since if isinstance(since, timedelta) else since
    if channels is None:
        channels = reach_channels()
    report = ReachReport()
    adapters: dict[tuple[int, str], Channel] = {}
    for pub in runtime.ledger.publications(state=State.PUBLISHED):
        if pub.channel not in channels or pub.published_at is None or pub.published_at < start:
            continue
        report.checked += 1
        try:
            channel = _adapter(pub, runtime, adapters)
            ctx = context_for(pub, runtime)
            metrics = channel.metrics(ctx.receipt, ctx)
        except Exception as exc:  # noqa: BLE001 - one row's trouble must not stop the others
            # A platform error, a version missing from the state folder, an account removed
            # from publisher.toml: reported, and asked again next round.
            report.errors.append(f"发布记录 {pub.id}（{pub.item_id} → {pub.account_id}）：{exc}")
            continue
        if metrics is None:
            report.unavailable += 1
            continue
        stored = runtime.ledger.record_reach(
            pub.id,
            measured_at=now,
            reads=metrics.reads,
            shares=metrics.shares,
            likes=metrics.likes,
            comments=metrics.comments,
        )
        if stored is None:
            report.unchanged += 1
        else:
            report.stored += 1
    for error in report.errors:
        log.warning("传播数据读取失败：%s", error)
    return report


def _adapter(pub: Publication, runtime: Runtime, cache: dict[tuple[int, str], Channel]) -> Channel:
    """The channel object of the version that was published (one per version and account)."""
    key = (pub.item_version_id, pub.account_id)
    if key not in cache:
        _, matrix = runtime.load_version(pub.item_id, pub.item_version_id)
        cache[key] = runtime.channel(matrix, pub.account_id)
    return cache[key]
