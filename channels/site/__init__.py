"""The agency's website (门户网站): a static site built from the same items.

`SiteChannel` is the adapter the scheduler uses: `render` is pure (the article page and its
images), `publish` puts the page into the configured output folder, refreshes every list, feed and
the sitemap, then deploys; `retract` takes the page down the same way. `build_site` (builder.py)
builds the whole site from the content repo (`publisher site build`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from channels.base import (
    Capabilities,
    Channel,
    Limits,
    PublishContext,
    PublishStatus,
    Receipt,
    Rendition,
    SharedState,
)
from channels.errors import Permanent, Rejected, Transient
from channels.site.config import SiteConfig
from channels.site.deploy import DeployError, deploy
from channels.site.publishing import page_from_rendition, publish_item, retract_item
from channels.site.render import SiteRenderError, render_article
from publisher.content.findings import Finding

if TYPE_CHECKING:
    from publisher.content.model import ContentItem


class SiteChannel(Channel):
    name = "site"
    title = "门户网站"
    config_class = SiteConfig
    limits = Limits(image_types=("image/jpeg", "image/png"), can_retract=True)
    capabilities = Capabilities(updates_in_place=True, is_website=True)
    report_order = 30
    colour = "#1565c0"
    archive_texts = {"html": ("page.html", "网站页面（HTML）")}
    config: SiteConfig

    @property
    def out_dir(self) -> Path:
        if self.config.out_dir is not None:
            return self.config.out_dir
        from publisher.settings import Settings

        return Settings().site_dir

    def render(self, item: ContentItem) -> Rendition:
        try:
            page = render_article(
                item,
                self.context.matrix,
                image_cache=self.context.image_cache,
                widths=tuple(self.config.image_widths),
                quality=self.config.image_quality,
            )
            payload = {
                "path": page.entry.path,
                "url": self.context.matrix.site.base_url + page.entry.path,
                "title": page.entry.title,
                "html": page.html,
                "entry": page.entry.to_dict(),
            }
        except SiteRenderError as exc:
            # Rendering stays total: the problem travels in the payload and check() reports it.
            payload = {"path": None, "url": None, "title": item.meta.title, "html": "", "problem": str(exc)}
            page = None
        return Rendition(item.id, self.name, self.account.id, payload, page.assets if page else ())

    def check(self, item: ContentItem, rendition: Rendition) -> list[Finding]:
        problem = rendition.payload.get("problem")
        if problem:
            return [Finding("site-render", f"网站页面无法生成：{problem}", item.display_path)]
        return []

    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        if rendition.payload.get("problem"):
            raise Rejected(f"网站页面无法生成：{rendition.payload['problem']}")
        page = page_from_rendition(rendition)
        try:
            publish_item(self.out_dir, self.context.matrix, page, key=rendition.content_hash)
        except SiteRenderError as exc:
            raise Rejected(str(exc)) from None
        except OSError as exc:
            raise Transient(f"写入网站目录失败：{exc.strerror or exc}", retry_after=30.0) from None
        ctx.record("written", path=page.entry.path, item_id=rendition.item_id)
        self._deploy()
        return Receipt(phases={"written": {"path": page.entry.path, "item_id": rendition.item_id}},
                       remote_id=rendition.item_id, url=rendition.payload["url"])

    @staticmethod
    def _written(receipt: Receipt) -> dict:
        written = receipt.phases.get("written")
        return written if isinstance(written, dict) else {}

    def status(self, receipt: Receipt, ctx: PublishContext) -> PublishStatus:
        path = self._written(receipt).get("path")
        if path and (self.out_dir / path.lstrip("/")).is_file():
            return PublishStatus("published", url=receipt.url, remote_id=receipt.remote_id)
        return PublishStatus("deleted", url=receipt.url, remote_id=receipt.remote_id, reason="页面文件不存在")

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        item_id = self._written(receipt).get("item_id") or receipt.remote_id
        if not item_id:
            raise Permanent("回执中没有条目标识，无法撤稿")
        try:
            retract_item(self.out_dir, self.context.matrix, item_id)
        except OSError as exc:
            raise Transient(f"修改网站目录失败：{exc.strerror or exc}", retry_after=30.0) from None
        ctx.record("retracted", item_id=item_id)
        self._deploy()

    def find_existing(self, renditions: list[Rendition], state: SharedState):
        from channels.site.existing import find_existing

        return find_existing(self.config, self.out_dir, renditions)

    def endpoint(self) -> str:
        return str(self.out_dir)

    def pages_dir(self) -> Path | None:
        # Only a configured folder: otherwise the caller's own settings say where the state
        # folder is (a command run with explicit settings must not read the environment's).
        return self.config.out_dir

    def verify(self, state: SharedState) -> str:
        import os
        import tempfile

        folder = self.out_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise Permanent(f"输出目录不可写：{folder}（{exc.strerror or exc}）") from None
        if not os.access(folder, os.W_OK):
            raise Permanent(f"输出目录不可写：{folder}")
        return "输出目录可写"

    def build_pages(self, content_root: Path, out: Path, *, now=None, workers=None, image_dir=None,
                    items=None, from_ledger=False, gate=None):
        from channels.site.builder import build_site
        from channels.site.output import default_state_dir

        return build_site(content_root, self.context.matrix, out, now=now, items=items, state_dir=default_state_dir(out),
                          workers=workers, config=self.config, image_dir=image_dir, from_ledger=from_ledger,
                          gate=gate)

    def deploy_pages(self, out: Path) -> str:
        try:
            return deploy(out, self.config)
        except DeployError as exc:
            raise Permanent(str(exc)) from None

    def preview(self, item: ContentItem, rendition: Rendition, when) -> str:
        from channels.site.preview import page_pane

        return page_pane(rendition)

    def _deploy(self) -> None:
        try:
            deploy(self.out_dir, self.config)
        except DeployError as exc:
            # The folder is already right; a retry only needs to deploy again.
            raise Transient(str(exc), retry_after=60.0) from None
