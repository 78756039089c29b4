"""Publishing one rendition to 抖音, phase by phase, resumable.

    upload    video/upload (≤ part_upload_from)   -> video_id              recorded ("uploaded")
              or video/part/init -> part/upload × n -> part/complete      upload_id, parts recorded
    create    video/create {video_id, text, cover_tsp}  -> item_id        "creating" recorded BEFORE,
                                                                          "created" after
    status    video/data {item_ids}  -> video_status 4 审核中 / 1 已发布 (share_url) / 2 不适宜公开

Uploads are invisible to viewers and safe to repeat; a video_id is good for one create only, so a
create refused with a definite answer drops it and the next attempt uploads again. The create is
the irreversible step: its start is recorded first, and a create whose answer was lost (or a
crash between sending it and recording the item_id) is never re-sent: the next attempt raises
`Unconfirmed`, and `reconcile` looks through the account's newest videos for it.

Retract = video/delete; reach = video/data's statistics (plays, likes, comments, shares).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import requests
from pydantic import SecretStr

from channels.base import (
    VERIFIED_ABSENT_PHASE,
    Metrics,
    PublishContext,
    PublishStatus,
    Receipt,
    Rendition,
    SharedState,
)
from channels.douyin.client import SHANGHAI, DouyinClient
from channels.douyin.config import DouyinConfig
from channels.errors import ChannelError, Permanent, Rejected, Unconfirmed

_STATES = {1: "published", 2: "failed", 4: "publishing"}


def recorded(phases: dict[str, Any], key: str) -> Any:
    """A value recorded earlier, whether the ledger keeps phases flat or nested by phase."""
    if key in phases and not isinstance(phases[key], dict):
        return phases[key]
    for value in phases.values():
        if isinstance(value, dict) and key in value:
            return value[key]
    return None


def _unanswered_create(phases: dict[str, Any]) -> bool:
    started = recorded(phases, "create_started_at")
    if not started:
        return False
    verified = (phases.get(VERIFIED_ABSENT_PHASE) or {}).get("at")
    return not verified or datetime.fromisoformat(verified) <= datetime.fromisoformat(started)


def _now() -> str:
    return datetime.now(SHANGHAI).isoformat()


class DouyinPublisher:
    def __init__(
        self,
        account_id: str,
        config: DouyinConfig,
        state: SharedState,
        session: requests.Session | None = None,
        secret: SecretStr | None = None,
        refresh_seed: SecretStr | None = None,
    ) -> None:
        self.account_id = account_id
        self.config = config
        self.client = DouyinClient(account_id, config, state, session, secret, refresh_seed)

    # -- publish ---------------------------------------------------------------------------
    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        phases: dict[str, Any] = dict(ctx.receipt.phases)

        def record(phase: str, **data: Any) -> None:
            ctx.record(phase, **data)
            phases[phase] = {**phases.get(phase, {}), **data}  # as the ledger keeps it

        if not recorded(phases, "item_id"):
            if _unanswered_create(phases):
                raise Unconfirmed(
                    "上次发布抖音视频后没有收到应答，无法确认视频是否已发出：请在抖音 App 的作品列表中核实，"
                    "确认未发出后再重新发布（publisher retry --not-posted）"
                )
            video = next((a for a in rendition.assets if a.role == "video"), None)
            if video is None:
                raise Rejected("渲染结果中没有视频，无法发布到抖音")
            video_id = recorded(phases, "video_id")
            if not video_id or recorded(phases, "video_sha256") != video.sha256:
                video_id = self._upload(video.data, video.sha256, phases, record)
            self._create(rendition, video_id, ctx, record)
        # The video is under review now; the core asks `status` (and polls) for the final word.
        return Receipt(phases=phases)

    def _upload(self, data: bytes, sha: str, phases: dict[str, Any], record) -> str:
        if len(data) <= min(self.config.part_upload_from, self.config.simple_upload_max):
            body = self.client.call("POST", self.config.upload_path, what="上传抖音视频", safe_to_repeat=True,
                                    files={"video": ("video.mp4", data, "video/mp4")})
            video_id = str((body.get("video") or {})["video_id"])
        else:
            video_id = self._part_upload(data, sha, phases, record)
        record("uploaded", video_id=video_id, video_sha256=sha, uploaded_at=_now())
        return video_id

    def _part_upload(self, data: bytes, sha: str, phases: dict[str, Any], record) -> str:
        """Parts of `part_size` (the last one shorter); progress recorded so a crash resumes the
        same upload_id within its 2 hours instead of sending every part again."""
        size = self.config.part_size
        total = (len(data) + size - 1) // size
        upload_id = recorded(phases, "upload_id")
        started = recorded(phases, "part_upload_started_at")
        fresh = (upload_id and recorded(phases, "part_video_sha256") == sha and started
                 and (datetime.now(SHANGHAI) - datetime.fromisoformat(started)).total_seconds() < 6000)
        done: list[int] = list(recorded(phases, "parts_done") or []) if fresh else []
        if not fresh:
            body = self.client.call("POST", self.config.part_init_path, what="初始化抖音分片上传", safe_to_repeat=True)
            upload_id = str(body["upload_id"])
            record("part_upload", upload_id=upload_id, part_video_sha256=sha, part_upload_started_at=_now(),
                   parts_done=[], parts_total=total)
        for number in range(1, total + 1):
            if number in done:
                continue
            chunk = data[(number - 1) * size: number * size]
            self.client.call("POST", self.config.part_upload_path, what=f"上传抖音视频第 {number}/{total} 片",
                             safe_to_repeat=True, params={"upload_id": upload_id, "part_number": str(number)},
                             files={"video": ("video.mp4", chunk, "video/mp4")})
            done.append(number)
            record("part_upload", parts_done=list(done))
        body = self.client.call("POST", self.config.part_complete_path, what="完成抖音分片上传",
                                safe_to_repeat=True, params={"upload_id": upload_id})
        return str((body.get("video") or {})["video_id"])

    def _create(self, rendition: Rendition, video_id: str, ctx: PublishContext, record) -> None:
        payload = rendition.payload
        text = str(payload.get("text") or "")
        record("creating", create_started_at=_now(), create_video_id=video_id,
               text_sha256=hashlib.sha256(text.encode()).hexdigest(), text=text)
        try:
            body = self.client.call(
                "POST", self.config.create_path, what="发布抖音视频", safe_to_repeat=False,
                json_body_={"video_id": video_id, "text": text, "cover_tsp": float(payload.get("cover_tsp") or 0.0)},
                idempotency_key=ctx.idempotency_key,
            )
        except Unconfirmed:
            raise
        except ChannelError:
            # A definite answer (or no connection at all): nothing was created. The video_id
            # may be spent, so the next attempt uploads again.
            record("creating", create_started_at=None)
            record("uploaded", video_id=None, video_sha256=None)
            raise
        record("created", item_id=str(body["item_id"]), created_at=_now())

    # -- after publishing ------------------------------------------------------------------
    def _video(self, item_id: str) -> dict[str, Any] | None:
        body = self.client.call("POST", self.config.data_path, what="查询抖音视频", safe_to_repeat=True,
                                json_body_={"item_ids": [item_id]})
        return next((v for v in body.get("list") or [] if str(v.get("item_id")) == item_id), None)

    def status(self, receipt: Receipt, ctx: PublishContext) -> PublishStatus:
        item_id = receipt.remote_id or recorded(receipt.phases, "item_id")
        if not item_id:
            if receipt.url:
                return PublishStatus(state="published", url=receipt.url)
            raise Permanent("这条抖音视频还没有发布，无法查询状态")
        video = self._video(str(item_id))
        if video is None:
            return PublishStatus(state="deleted", reason="抖音上找不到这条视频（已被删除）")
        state = _STATES.get(int(video.get("video_status") or 0), "publishing")
        if state == "failed":
            return PublishStatus(state="failed", reason="抖音审核认为该视频不适宜公开（video_status 2），请到抖音查看原因")
        if state == "publishing":
            return PublishStatus(state="publishing")
        url = str(video.get("share_url") or f"{self.config.video_web_base}/{item_id}")
        if recorded(receipt.phases, "share_url") != url:
            published = {"share_url": url, "published_at": _now()}
            ctx.record("published", **published)
            receipt.phases["published"] = {**receipt.phases.get("published", {}), **published}
        return PublishStatus(state="published", url=url, remote_id=str(item_id))

    def reconcile(self, receipt: Receipt, ctx: PublishContext, rendition: Rendition | None = None) -> PublishStatus | None:
        """After a lost answer or a lost worker: the recorded item_id's status; `absent` when no
        create was sent; else the account's newest videos are searched for this text, created
        after the create started. Found → recorded (`reconciled`); not found → None."""
        if receipt.remote_id or recorded(receipt.phases, "item_id"):
            return self.status(receipt, ctx)
        started = recorded(receipt.phases, "create_started_at")
        if not started:
            return PublishStatus(state="absent", reason="尚未发布")
        text = recorded(receipt.phases, "text")
        since = datetime.fromisoformat(started).timestamp() - 60  # clock differences
        cursor = 0
        for _ in range(3):  # the newest 60 videos: a lost create is recent
            body = self.client.call("GET", self.config.list_path, what="查询抖音作品列表", safe_to_repeat=True,
                                    params={"cursor": str(cursor), "count": "20"})
            for video in body.get("list") or []:
                if int(video.get("create_time") or 0) >= since and video.get("title") == text:
                    created = {"item_id": str(video["item_id"]), "created_at": _now(), "reconciled": True}
                    ctx.record("created", **created)
                    receipt.phases["created"] = {**receipt.phases.get("created", {}), **created}
                    return self.status(receipt, ctx)
            if not body.get("has_more"):
                break
            cursor = int(body.get("cursor") or 0)
        return None

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        item_id = receipt.remote_id or recorded(receipt.phases, "item_id")
        if not item_id:
            raise Permanent("找不到这条抖音视频的编号，无法删除：请到抖音 App 中手动删除")
        try:
            self.client.call("POST", self.config.delete_path, what="删除抖音视频", safe_to_repeat=True,
                             json_body_={"item_id": str(item_id)}, idempotency_key=ctx.idempotency_key)
        except Permanent:
            if self._video(str(item_id)) is not None:  # still there: the refusal was real
                raise
        ctx.record("retracted", retracted_at=_now())

    def metrics(self, receipt: Receipt, ctx: PublishContext) -> Metrics | None:
        item_id = receipt.remote_id or recorded(receipt.phases, "item_id")
        if not item_id:
            return None
        video = self._video(str(item_id))
        if video is None:
            return None
        figures = video.get("statistics") or {}
        return Metrics(
            reads=int(figures.get("play_count", 0)),
            likes=int(figures.get("digg_count", 0)),
            comments=int(figures.get("comment_count", 0)),
            shares=int(figures.get("share_count", 0)),
            measured_at=datetime.now(SHANGHAI),
        )
