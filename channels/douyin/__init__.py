"""抖音 (Douyin Open Platform) channel, a plugin like any third party's: registered only through
the `publisher.channels` entry point in pyproject.toml; the core never names it.

Render and check here (pure: the item becomes a 1080×1920 H.264/AAC video with PyAV); the
network side (client, publishing, sandbox) lives in the sibling modules and is imported on
first use, so rendering works without the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.base import Limits, PublishContext, RemoteChannel, Rendition
from channels.douyin.check import check_post
from channels.douyin.config import DouyinConfig
from channels.douyin.render import render_post
from channels.douyin.script import Note

if TYPE_CHECKING:
    from publisher.content.findings import Finding
    from publisher.content.model import ContentItem


class DouyinChannel(RemoteChannel):
    name = "douyin"
    title = "抖音"
    config_class = DouyinConfig
    limits = Limits(
        title_max=55,
        body_max=300,
        image_types=("image/jpeg", "image/png"),
        cover_ratios=("9:16",),
        can_retract=True,
    )

    def __init__(self, account, context):
        super().__init__(account, context)
        self._notes: dict[str, list[Note]] = {}

    def render(self, item: ContentItem) -> Rendition:
        post = render_post(item, self.config, self.account.name, self.context)
        rendition = Rendition(
            item_id=item.id,
            channel=self.name,
            account_id=self.account.id,
            payload=post.payload,
            assets=tuple(post.assets),
        )
        self._notes[rendition.content_hash] = post.notes
        return rendition

    def check(self, item: ContentItem, rendition: Rendition) -> list[Finding]:
        notes = self._notes.get(rendition.content_hash)
        if notes is None:  # cheap: the video comes from the cache
            notes = render_post(item, self.config, self.account.name, self.context).notes
        return check_post(item, rendition, notes, self.config, self.account.id)

    def _publisher(self, ctx: PublishContext):
        from channels.douyin.publishing import DouyinPublisher

        return DouyinPublisher(self.account.id, self.config, ctx.state)
