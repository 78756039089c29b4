"""Publishing one rendition to a WeChat Official Account, phase by phase, resumable.

    body images  media/uploadimg        (cached by image SHA-256 per account: never uploaded twice)
    cover        material/add_material  -> thumb_media_id      (cached by SHA-256, single-flight
                                                                across workers: wechat/material.py)
    draft        draft/add              -> draft_media_id      recorded before submitting
    submit       freepublish/submit     -> publish_id           "submitting" recorded before it
    status       freepublish/get        -> article_id, article_url (publish_status 0)

Every id is recorded through `ctx.record` before the next phase starts; `publish` reads them back
from `ctx.receipt.phases` and continues where an earlier attempt stopped. A submit whose answer
was lost (or a crash between sending it and recording the publish_id) is never re-sent: the next
attempt raises `Unconfirmed` so someone checks the account first.

The ledger keeps phases nested (`phases[phase] = {**old, **data}`); reading also accepts flat
phases (`{"draft_media_id": …}`).

40007 (invalid media_id) from draft/add means the cover's material was deleted on the platform:
the picture is uploaded again once and the draft retried; from freepublish/submit it means the
draft (or its cover) is gone: the draft is made again once and submitted again. A second 40007
fails the publication with a sentence naming the cover picture.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import requests
from pydantic import SecretStr

from channels.base import (
    ABSENT,
    VERIFIED_ABSENT_PHASE,
    Asset,
    Metrics,
    PublishContext,
    PublishStatus,
    Receipt,
    Rendition,
    SharedState,
    note_phase,
)
from channels.errors import ChannelError, Permanent, Rejected, Unconfirmed
from channels.wechat.client import SHANGHAI, WeChatClient
from channels.wechat.config import WeChatConfig
from channels.wechat.material import MaterialCache, picture_name, upload_filename

INVALID_MEDIA = 40007  # invalid media_id: a draft or material deleted on the platform
_ASSET_REF = re.compile(r"asset:([^\"'\s>)]+)")
_FAILED = {
    2: "原创声明校验未通过",
    3: "发布失败（常规失败）",
    4: "平台审核不通过",
    6: "文章被系统封禁",
}


def recorded(phases: dict[str, Any], key: str) -> Any:
    """A value recorded earlier, whether the ledger keeps phases flat or nested by phase."""
    if key in phases and not isinstance(phases[key], dict):
        return phases[key]
    for value in phases.values():
        if isinstance(value, dict) and key in value:
            return value[key]
    return phases.get(key)


def _unanswered_submit(phases: dict[str, Any]) -> bool:
    """A submit whose answer was lost, unless an editor has since checked the platform and found
    nothing (`publisher retry --not-posted` records that after the attempt)."""
    started = recorded(phases, "submit_started_at")
    if not started:
        return False
    verified = (phases.get(VERIFIED_ABSENT_PHASE) or {}).get("at")
    return not verified or datetime.fromisoformat(verified) <= datetime.fromisoformat(started)


class WeChatPublisher:
    def __init__(
        self,
        account_id: str,
        config: WeChatConfig,
        state: SharedState,
        session: requests.Session | None = None,
        secret: SecretStr | None = None,
    ) -> None:
        self.config = config
        self.client = WeChatClient(account_id, config, state, session, secret)
        self.materials = MaterialCache(self.client)

    # -- publish ---------------------------------------------------------------------------
    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        phases: dict[str, Any] = dict(ctx.receipt.phases)

        def record(phase: str, **data: Any) -> None:
            ctx.record(phase, **data)
            phases[phase] = {**phases.get(phase, {}), **data}  # as the ledger keeps it

        def note(phase: str, **data: Any) -> None:
            # Uploads and the draft are repeatable and invisible to readers: their ids are saved
            # with the `submitting` mark, in one commit (a lost worker just redoes them).
            note_phase(ctx, phase, **data)
            phases[phase] = {**phases.get(phase, {}), **data}

        if not recorded(phases, "publish_id"):
            draft_id = recorded(phases, "draft_media_id")
            if not draft_id:
                draft_id = self._make_draft(rendition, ctx, phases, note)
            try:
                self._submit(draft_id, ctx, phases, record)
            except Permanent as exc:
                if exc.code != INVALID_MEDIA:
                    raise
                # The draft, or the cover it references, is gone on the platform (deleted in the
                # web console). A definite answer: nothing was submitted. Make the draft again —
                # its cover is uploaded again if that is what vanished — and submit once more.
                draft_id = self._make_draft(rendition, ctx, phases, note)
                try:
                    self._submit(draft_id, ctx, phases, record)
                except Permanent as again:
                    if again.code != INVALID_MEDIA:
                        raise
                    raise Permanent(
                        f"提交公众号发布：草稿在公众号中无效（40007），重新建立草稿（封面图片 "
                        f"{self._cover_name(rendition)}）后再次提交仍被拒绝；请在微信公众平台检查草稿箱和素材库后重新发布",
                        code=INVALID_MEDIA,
                    ) from None
        receipt = Receipt(phases=phases, remote_id=recorded(phases, "article_id"), url=recorded(phases, "article_url"))
        deadline = time.monotonic() + self.config.publish_wait_seconds
        while receipt.url is None and time.monotonic() < deadline:
            time.sleep(min(2.0, self.config.publish_wait_seconds))
            status = self.status(receipt, ctx)
            if status.state != "publishing":
                receipt = Receipt(phases=receipt.phases, remote_id=status.remote_id, url=status.url)
                break
        return receipt

    def _make_draft(self, rendition, ctx, phases, note) -> str:
        payload = rendition.payload
        urls = self._upload_body_images(rendition, phases)
        note("images", body_image_urls=urls)
        content = _ASSET_REF.sub(lambda m: urls[m.group(1)], str(payload.get("content", "")))
        thumb_id = recorded(phases, "thumb_media_id")
        if not thumb_id:
            cover, kind = self._cover(rendition)
            thumb_id, cover_url = self.materials.media_for(cover, kind)
            note("cover", thumb_media_id=thumb_id, cover_url=cover_url)
        article = {
            "article_type": "news",
            "title": payload.get("title", ""),
            "author": payload.get("author") or self.config.author or "",
            "digest": payload.get("digest", ""),
            "content": content,
            "content_source_url": payload.get("content_source_url") or "",
            "thumb_media_id": thumb_id,
            "need_open_comment": int(bool(payload.get("need_open_comment", self.config.need_open_comment))),
            "only_fans_can_comment": int(self.config.only_fans_can_comment),
        }
        for crop in ("pic_crop_235_1", "pic_crop_1_1"):
            if payload.get(crop):
                article[crop] = payload[crop]
        try:
            draft_id = self._add_draft(article, ctx)
        except Permanent as exc:
            if exc.code != INVALID_MEDIA:
                raise
            # The cover's material was deleted on the platform: drop it, upload the picture
            # again (once, single-flight across workers) and try the draft once more.
            cover, kind = self._cover(rendition)
            thumb_id, cover_url = self.materials.replace(cover, kind, str(thumb_id))
            note("cover", thumb_media_id=thumb_id, cover_url=cover_url, uploaded_again=True)
            article["thumb_media_id"] = thumb_id
            try:
                draft_id = self._add_draft(article, ctx)
            except Permanent as again:
                if again.code != INVALID_MEDIA:
                    raise
                raise Permanent(
                    f"新建公众号草稿：封面图片 {picture_name(cover)} 在公众号素材库中无效（40007），"
                    "重新上传一次后仍被拒绝；请在微信公众平台检查素材库，或更换封面图片后重新发布",
                    code=INVALID_MEDIA,
                ) from None
        note("draft", draft_media_id=draft_id, title=article["title"])
        return draft_id

    def _add_draft(self, article: dict[str, Any], ctx: PublishContext) -> str:
        body = self.client.call(
            "/cgi-bin/draft/add",
            what="新建公众号草稿",
            safe_to_repeat=True,  # a second draft is invisible to readers; costs one draft slot
            json_body_={"articles": [article]},
            idempotency_key=ctx.idempotency_key,
        )
        return str(body["media_id"])

    def _upload_body_images(self, rendition: Rendition, phases: dict[str, Any]) -> dict[str, str]:
        content = str(rendition.payload.get("content", ""))
        urls: dict[str, str] = dict(recorded(phases, "body_image_urls") or {})
        for name in dict.fromkeys(_ASSET_REF.findall(content)):
            if name in urls:
                continue
            asset = rendition.asset(name)
            if asset is None:
                raise Permanent(f"正文引用的图片 {name} 不在渲染结果中（渲染器缺陷），无法发布")
            cache_key = self.client._key(f"uploadimg:{asset.sha256}")
            url = self.client.state.get(cache_key)
            if not url:
                body = self.client.call(
                    "/cgi-bin/media/uploadimg",
                    what=f"上传正文图片 {asset.source or name}",
                    safe_to_repeat=True,
                    files={"media": (upload_filename(name, asset.media_type), asset.data, asset.media_type)},
                )
                url = str(body["url"])
                self.client.state.set(cache_key, url)  # CDN URLs do not expire
            urls[name] = url
        return urls

    def _cover(self, rendition: Rendition) -> tuple[Asset, str]:
        """The cover picture and its material type ("image", or "thumb" for a small JPEG)."""
        payload = rendition.payload
        cover = rendition.asset(payload.get("cover") or "") if payload.get("cover") else None
        kind = "image"
        if cover is None and payload.get("thumb"):
            cover, kind = rendition.asset(payload["thumb"]), "thumb"
        if cover is None:
            cover = next((a for a in rendition.assets if a.role in ("cover", "thumb")), None)
        if cover is None:
            raise Rejected("公众号文章必须有封面图片，渲染结果中没有封面")
        return cover, kind

    def _cover_name(self, rendition: Rendition) -> str:
        try:
            return picture_name(self._cover(rendition)[0])
        except Rejected:
            return "（无）"

    def _submit(self, draft_id: str, ctx: PublishContext, phases, record) -> None:
        if _unanswered_submit(phases):
            raise Unconfirmed(
                "上次提交发布后没有收到应答，无法确认文章是否已发布：请在微信公众平台“发表记录”中核实，"
                "确认未发布后再重新发布"
            )
        title = str(recorded(phases, "title") or "")
        record("submitting", submit_started_at=datetime.now(SHANGHAI).isoformat(), title=title)
        try:
            body = self.client.call(
                "/cgi-bin/freepublish/submit",
                what="提交公众号发布",
                safe_to_repeat=False,
                json_body_={"media_id": draft_id},
                idempotency_key=ctx.idempotency_key,
            )
        except Unconfirmed:
            raise
        except ChannelError:
            # A definite answer (or no connection at all): nothing was submitted.
            record("submitting", submit_started_at=None)
            raise
        # Anything else (Celery's soft time limit, a crash) may strike after the platform took
        # the submit: the mark stays, so the row ends unconfirmed and is reconciled, never resent.
        record("submit", publish_id=str(body["publish_id"]), msg_data_id=str(body.get("msg_data_id", "")))

    # -- after publishing ------------------------------------------------------------------
    def status(self, receipt: Receipt, ctx: PublishContext) -> PublishStatus:
        publish_id = recorded(receipt.phases, "publish_id")
        if not publish_id:
            if receipt.url:
                return PublishStatus(state="published", url=receipt.url, remote_id=receipt.remote_id)
            raise Permanent("这篇文章还没有提交发布，无法查询发布状态")
        body = self.client.call(
            "/cgi-bin/freepublish/get",
            what="查询公众号发布状态",
            safe_to_repeat=True,
            json_body_={"publish_id": publish_id},
        )
        code = int(body.get("publish_status", 1))
        if code == 0:
            article_id = str(body.get("article_id", ""))
            items = (body.get("article_detail") or {}).get("item") or [{}]
            url = items[0].get("article_url")
            if recorded(receipt.phases, "article_url") != url:
                published = {
                    "article_id": article_id,
                    "article_url": url,
                    "published_at": datetime.now(SHANGHAI).isoformat(),
                }
                # Saved with the row's `published` state (or the reconciled outcome) in one commit.
                note_phase(ctx, "published", **published)
                receipt.phases["published"] = published  # metrics() needs the day
            return PublishStatus(state="published", url=url, remote_id=article_id)
        if code == 1:
            return PublishStatus(state="publishing")
        if code == 5:
            return PublishStatus(state="deleted", reason="文章已被删除")
        reason = _FAILED.get(code, f"发布失败（状态 {code}）")
        failed = body.get("fail_idx") or []
        if failed:
            reason += f"（第 {'、'.join(str(i) for i in failed)} 篇）"
        return PublishStatus(state="failed", reason=reason)

    def reconcile(self, receipt: Receipt, ctx: PublishContext, rendition: Rendition | None = None) -> PublishStatus | None:
        """After a lost answer or a lost worker: what became of this publication?

        - a recorded publish_id: ask freepublish/get (`status`);
        - never submitted (no `submit_started_at`): `absent`, safe to publish again (it resumes);
        - submitted without an answer: look through the newest published articles
          (freepublish/batchget) for this title, published after the submit started; found →
          published (recorded, `reconciled: true`), else None: not there (yet) — the job may still
          be running, or the request never arrived; ask again later or let an editor check.
        """
        if recorded(receipt.phases, "publish_id"):
            return self.status(receipt, ctx)
        started = recorded(receipt.phases, "submit_started_at")
        if not started:
            return PublishStatus(state=ABSENT, reason="尚未提交发布")
        since = datetime.fromisoformat(started).timestamp() - 60  # allow for clock differences
        title = recorded(receipt.phases, "title") or (rendition.payload.get("title") if rendition else None)
        if not title:
            return None
        body = self.client.call(
            "/cgi-bin/freepublish/batchget",
            what="查询公众号发表记录",
            safe_to_repeat=True,
            json_body_={"offset": 0, "count": 20, "no_content": 1},
        )
        for entry in body.get("item", []):
            if int(entry.get("update_time", 0)) < since:
                continue
            for news in (entry.get("content") or {}).get("news_item", []):
                if news.get("title") == title and not news.get("is_deleted"):
                    published = {
                        "article_id": str(entry["article_id"]),
                        "article_url": news.get("url"),
                        "published_at": datetime.now(SHANGHAI).isoformat(),
                        "reconciled": True,
                    }
                    ctx.record("published", **published)
                    receipt.phases["published"] = published
                    return PublishStatus(state="published", url=news.get("url"), remote_id=published["article_id"])
        return None

    def publish_and_wait(
        self, rendition: Rendition, ctx: PublishContext, timeout: float = 60.0, interval: float = 0.2
    ) -> tuple[Receipt, PublishStatus]:
        """Publish and poll until final (tests, the demo); the dispatcher polls `status` instead."""
        receipt = self.publish(rendition, ctx)
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(receipt, ctx)
            if status.state != "publishing" or time.monotonic() >= deadline:
                break
            time.sleep(interval)
        if status.state == "published":
            receipt = Receipt(phases=receipt.phases, remote_id=status.remote_id, url=status.url)
        return receipt, status

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        article_id = receipt.remote_id or recorded(receipt.phases, "article_id")
        if not article_id:
            status = self.status(receipt, ctx)
            if status.state in ("deleted", "failed"):
                return
            if status.state != "published":
                raise Permanent("文章仍在发布中，稍后再撤稿")
            article_id = status.remote_id
        try:
            self.client.call(
                "/cgi-bin/freepublish/delete",
                what="删除公众号文章",
                safe_to_repeat=True,  # deleting twice ends the same way
                json_body_={"article_id": article_id, "index": 1},
                idempotency_key=ctx.idempotency_key,
            )
        except Permanent as exc:
            if exc.code != 40007 or self.status(receipt, ctx).state != "deleted":
                raise
        ctx.record("retracted", retracted_at=datetime.now(SHANGHAI).isoformat())

    def metrics(self, receipt: Receipt, ctx: PublishContext) -> Metrics | None:
        """Reads and shares from datacube/getarticletotal for the day the article was published.

        Figures exist only from the day after publishing (end_date at most yesterday)."""
        published_at = recorded(receipt.phases, "published_at")
        msg_data_id = recorded(receipt.phases, "msg_data_id")
        if not published_at or not msg_data_id:
            return None
        day = datetime.fromisoformat(published_at).astimezone(SHANGHAI).date()
        try:
            body = self.client.call(
                "/datacube/getarticletotal",
                what="读取公众号文章数据",
                safe_to_repeat=True,
                json_body_={"begin_date": day.isoformat(), "end_date": day.isoformat()},
            )
        except Permanent as exc:
            if exc.code == 61501:  # the platform has no figures for that day yet
                return None
            raise
        for entry in body.get("list", []):
            if str(entry.get("msgid", "")).split("_")[0] != str(msg_data_id):
                continue
            details = sorted(entry.get("details", []), key=lambda d: d.get("stat_date", ""))
            if not details:
                return None
            last = details[-1]
            return Metrics(
                reads=int(last.get("int_page_read_count", 0)),
                shares=int(last.get("share_count", 0)),
                measured_at=datetime.now(SHANGHAI),
            )
        return None

