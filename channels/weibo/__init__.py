"""Sina Weibo (微博) channel: render and check here; the network side (client, publishing,
sandbox) lives in the sibling modules."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from channels.base import (
    Capabilities,
    Limits,
    PublishContext,
    RemoteChannel,
    Rendition,
    SharedState,
)
from channels.weibo.check import check_post
from channels.weibo.config import WeiboConfig
from channels.weibo.render import Note, render_post

if TYPE_CHECKING:
    from datetime import datetime

    from publisher.content.findings import Finding
    from publisher.content.model import ContentItem


class WeiboChannel(RemoteChannel):
    name = "weibo"
    title = "微博"
    config_class = WeiboConfig
    limits = Limits(
        body_max=140,
        image_max_bytes=5 * 1024 * 1024 - 1,
        image_types=("image/jpeg", "image/png", "image/gif"),
        can_retract=True,
    )
    capabilities = Capabilities(has_reach=True)
    secrets = ("token",)  # the account's OAuth access token
    report_order = 20
    archive_texts = {"text": ("text.txt", "微博正文（文本）")}
    colour = "#c62828"

    def __init__(self, account, context):
        super().__init__(account, context)
        self._notes: dict[str, list[Note]] = {}

    @property
    def safe_domains(self) -> list[str]:
        """The app's registered safe domain; by default the site's own host."""
        if self.config.safe_domain:
            return [self.config.safe_domain]
        host = urlsplit(self.context.matrix.site.base_url).hostname
        return [host] if host else []

    def render(self, item: ContentItem) -> Rendition:
        post = render_post(item, self.context, limit=self.config.text_limit, url_weight=self.config.url_weight)
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
        if notes is None:
            notes = render_post(item, self.context, limit=self.config.text_limit, url_weight=self.config.url_weight).notes
        return check_post(item, rendition, notes, self.safe_domains, self.context.matrix, self.config.url_weight)

    def endpoint(self) -> str:
        return self.config.base_url

    def verify(self, state: SharedState) -> str:
        from channels.weibo.client import WeiboClient

        info = WeiboClient(self.account.id, self.config).call(
            "POST", self.config.token_info_path, what="核验授权", safe_to_repeat=True)
        days = int(info.get("expire_in", 0)) // 86400
        return f"授权有效（微博用户 {info.get('uid')}，约 {days} 天后过期）"

    def preview(self, item: ContentItem, rendition: Rendition, when: datetime) -> str:
        from channels.weibo.preview import post_pane

        return post_pane(rendition, self.account.name, when)

    @classmethod
    def sandbox(cls, faults):
        from channels.weibo.sandbox import WeiboSandbox

        return WeiboSandbox(None, faults)

    @classmethod
    def sandbox_secrets(cls, account_id: str) -> dict[str, str]:
        from channels.sandbox_server import WEIBO_TOKEN

        return {"token": f"{WEIBO_TOKEN}-{account_id}"}

    # The network side (channels/weibo/publishing.py) is imported on first use, so rendering
    # and checking work without the HTTP stack.
    def _existing(self, renditions, state):
        from channels.weibo.existing import find_existing

        return find_existing(self.account.id, self.config, renditions)

    def _publisher(self, ctx: PublishContext):
        from channels.weibo.publishing import WeiboPublisher

        return WeiboPublisher(self.account.id, self.config, ctx.state)
