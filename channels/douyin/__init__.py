"""抖音 (Douyin Open Platform) channel, a plugin like any third party's: registered only through
the `publisher.channels` entry point in pyproject.toml; the core never names it.

Render and check here (pure: the item becomes a 1080×1920 H.264/AAC video with PyAV); the
network side (client, publishing, sandbox) lives in the sibling modules and is imported on
first use, so rendering works without the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.base import Capabilities, Limits, PublishContext, RemoteChannel, Rendition
from channels.douyin.check import check_post
from channels.douyin.config import DouyinConfig, DouyinTargetOptions
from channels.douyin.render import render_post
from channels.douyin.script import Note

if TYPE_CHECKING:
    from publisher.content.findings import Finding
    from publisher.content.model import ContentItem


class DouyinChannel(RemoteChannel):
    name = "douyin"
    title = "抖音"
    config_class = DouyinConfig
    target_options = DouyinTargetOptions  # targets.douyin: script, music, seconds_per_caption
    capabilities = Capabilities(has_reach=True)
    limits = Limits(
        title_max=55,
        body_max=300,
        image_types=("image/jpeg", "image/png"),
        cover_ratios=("9:16",),
        can_retract=True,
    )
    archive_texts = {"text": ("text.txt", "视频文案（文本）")}

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

    # -- accounts, preview, sandbox (the core asks the channel; it never names it) -------------
    secrets = ("secret", "refresh_token")  # client_secret; the owner's refresh_token
    report_order = 40
    colour = "#fe2c55"

    def endpoint(self) -> str:
        return self.config.base_url

    def verify(self, state) -> str:
        """A token refresh (when due) and one read of the account's newest video."""
        from channels.douyin.client import DouyinClient

        client = DouyinClient(self.account.id, self.config, state)
        body = client.call("GET", self.config.list_path, what="核验抖音授权", safe_to_repeat=True,
                           params={"cursor": "0", "count": "1"})
        return f"抖音授权有效（open_id {self.config.open_id}，可读取作品列表，最近 {len(body.get('list') or [])} 条）"

    def preview(self, item: ContentItem, rendition: Rendition, when) -> str:
        from channels.douyin.preview import video_pane

        return video_pane(rendition, self.account.name, when)

    @classmethod
    def sandbox(cls, faults):
        from channels.douyin.sandbox import DouyinSandbox

        return DouyinSandbox(None, faults)

    @classmethod
    def sandbox_options(cls, sandbox_url: str) -> dict:
        return {"base_url": f"{sandbox_url.rstrip('/')}/{cls.name}"}

    @classmethod
    def sandbox_secrets(cls, account_id: str) -> dict[str, str]:
        # The sandbox takes any client_secret and accepts `rft.sandbox-…` once as the owner's
        # authorisation (channels/douyin/sandbox_tokens.py).
        return {"secret": "sandbox-client-secret", "refresh_token": f"rft.sandbox-{account_id}"}

    def _existing(self, renditions, state):
        from channels.douyin.existing import find_existing

        return find_existing(self.account.id, self.config, renditions, state)

    def _publisher(self, ctx: PublishContext):
        from channels.douyin.publishing import DouyinPublisher

        return DouyinPublisher(self.account.id, self.config, ctx.state)
