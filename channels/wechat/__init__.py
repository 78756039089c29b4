"""WeChat Official Account (微信公众号) channel: render and check here; the network side
(client, publishing, sandbox) lives in the sibling modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.base import Limits, PublishContext, RemoteChannel, Rendition
from channels.wechat.check import check_article
from channels.wechat.config import WeChatConfig
from channels.wechat.render import Note, render_article

if TYPE_CHECKING:
    from publisher.content.findings import Finding
    from publisher.content.model import ContentItem


class WeChatChannel(RemoteChannel):
    name = "wechat"
    title = "微信公众号"
    config_class = WeChatConfig
    limits = Limits(
        title_max=32,
        author_max=16,
        digest_max=128,
        body_max=20_000,
        image_max_bytes=1024 * 1024 - 1,
        image_types=("image/jpeg", "image/png"),
        cover_ratios=("2.35:1", "1:1"),
        can_retract=True,
    )

    def __init__(self, account, context):
        super().__init__(account, context)
        # check() needs what render() noticed; keyed by content hash so any equal rendition matches.
        self._notes: dict[str, list[Note]] = {}

    def render(self, item: ContentItem) -> Rendition:
        article = render_article(item, self.config, self.context)
        rendition = Rendition(
            item_id=item.id,
            channel=self.name,
            account_id=self.account.id,
            payload=article.payload,
            assets=tuple(article.assets),
        )
        self._notes[rendition.content_hash] = article.notes
        return rendition

    def check(self, item: ContentItem, rendition: Rendition) -> list[Finding]:
        notes = self._notes.get(rendition.content_hash)
        if notes is None:  # a rendition made elsewhere: render again (pure, cheap with the cache)
            notes = render_article(item, self.config, self.context).notes
        return check_article(item, rendition, notes, self.limits)

    # The network side (channels/wechat/publishing.py) is imported on first use, so rendering
    # and checking work without the HTTP stack.
    def _publisher(self, ctx: PublishContext):
        from channels.wechat.publishing import WeChatPublisher

        return WeChatPublisher(self.account.id, self.config, ctx.state)
