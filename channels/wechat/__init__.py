"""WeChat Official Account (微信公众号) channel: render and check here; the network side
(client, publishing, sandbox) lives in the sibling modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.base import (
    Capabilities,
    Limits,
    PublishContext,
    RemoteChannel,
    Rendition,
    SharedState,
)
from channels.wechat.check import check_article
from channels.wechat.config import WeChatConfig
from channels.wechat.render import Article, Note, render_article
from publisher.render import item_renders

if TYPE_CHECKING:
    from datetime import datetime

    from publisher.content.findings import Finding
    from publisher.content.model import ContentItem


# Options that say how the account is reached, never what its articles are: accounts differing
# only in these render alike. Any other option (one added later included) keeps renders apart.
_NOT_RENDERED = frozenset({
    "appid", "base_url", "timeout_seconds", "connect_timeout_seconds", "poll_seconds", "publish_wait_seconds",
    "token_margin_seconds", "forced_refresh_per_day", "forced_refresh_interval_seconds",
})


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
    capabilities = Capabilities(has_reach=True)
    secrets = ("secret",)  # the AppSecret
    default_quota = {"per_day": 100}  # freepublish/submit, reset at midnight Beijing time
    report_order = 10
    colour = "#2e7d32"
    archive_texts = {"content": ("content.html", "图文正文（HTML，图片以素材名引用）")}

    def __init__(self, account, context):
        super().__init__(account, context)
        # check() needs what render() noticed; keyed by content hash so any equal rendition matches.
        self._notes: dict[str, list[Note]] = {}

    def render(self, item: ContentItem) -> Rendition:
        # Two accounts whose options differ only in how they are reached render the same article:
        # within one item's renders (publisher.render.item_renders) the second takes the first's.
        key = (type(self), self.config.model_dump(exclude=_NOT_RENDERED), self.context.matrix,
               self.context.image_cache)
        made: tuple[Article, str] | None = item_renders.made_before(item, key)
        if made is None:
            article = render_article(item, self.config, self.context)
        else:
            # Copies: each rendition owns its payload (an adapter may fill in what it uploaded).
            article = Article(dict(made[0].payload), list(made[0].assets), list(made[0].notes))
        rendition = Rendition(
            item_id=item.id,
            channel=self.name,
            account_id=self.account.id,
            payload=article.payload,
            assets=tuple(article.assets),
        )
        content_hash = rendition.content_hash if made is None else made[1]  # same payload, same assets
        self._notes[content_hash] = article.notes
        if made is None:
            kept = Article(dict(article.payload), list(article.assets), list(article.notes))
            item_renders.keep(item, key, (kept, content_hash))
        return rendition

    def check(self, item: ContentItem, rendition: Rendition) -> list[Finding]:
        notes = self._notes.get(rendition.content_hash)
        if notes is None:  # a rendition made elsewhere: render again (pure, cheap with the cache)
            notes = render_article(item, self.config, self.context).notes
        return check_article(item, rendition, notes, self.limits)

    def endpoint(self) -> str:
        return self.config.base_url

    def verify(self, state: SharedState) -> str:
        from channels.wechat.client import WeChatClient

        WeChatClient(self.account.id, self.config, state).access_token()
        return "凭据有效（已取得接口调用凭据）"

    def preview(self, item: ContentItem, rendition: Rendition, when: datetime) -> str:
        from channels.wechat.preview import article_pane

        return article_pane(rendition, self.account.name, when, item.meta.cover_focus or (0.5, 0.5))

    @classmethod
    def sandbox(cls, faults):
        from channels.wechat.sandbox import WeChatSandbox

        return WeChatSandbox(None, faults)

    @classmethod
    def sandbox_secrets(cls, account_id: str) -> dict[str, str]:
        from channels.wechat.sandbox import DEFAULT_SECRET

        return {"secret": DEFAULT_SECRET}

    # The network side (channels/wechat/publishing.py) is imported on first use, so rendering
    # and checking work without the HTTP stack.
    def _existing(self, renditions, state):
        from channels.wechat.existing import find_existing

        return find_existing(self.account.id, self.config, renditions, state)

    def _publisher(self, ctx: PublishContext):
        from channels.wechat.publishing import WeChatPublisher

        return WeChatPublisher(self.account.id, self.config, ctx.state)
