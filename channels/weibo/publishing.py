"""Publishing one rendition to Weibo: one `statuses/share` call, with text and an optional picture.

Before sending, the attempt is recorded (`sharing`: time and text hash); after, the post's id
(`posted`: status_id, uid, url). Weibo refuses identical text (20019) and similar text (20017):
both raise `DuplicateContent` with `earlier_attempt` set when this publication had already sent
a share whose answer was lost. The ledger uses that to tell "our own post, answer lost" (mark
published, or unconfirmed for an editor to link) from a real conflict with another post. The
adapter does not decide it, because the platform's duplicate window is unknown.

The account's hourly budget (`hourly_limit`, 30 by default) is counted in the shared state, so
every worker respects one budget; when it is used up the account pauses (`QuotaExceeded`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from pydantic import SecretStr

from channels.base import (
    ABSENT,
    Metrics,
    PublishContext,
    PublishStatus,
    Receipt,
    Rendition,
    SharedState,
    note_phase,
)
from channels.errors import DuplicateContent, Permanent, QuotaExceeded, Rejected
from channels.weibo.client import WeiboClient
from channels.weibo.config import WeiboConfig

SHANGHAI = ZoneInfo("Asia/Shanghai")


def recorded(phases: dict[str, Any], key: str) -> Any:
    """A value recorded earlier, whether phases are nested by phase (the ledger) or flat."""
    for value in phases.values():
        if isinstance(value, dict) and key in value:
            return value[key]
    return phases.get(key)


class WeiboPublisher:
    def __init__(
        self,
        account_id: str,
        config: WeiboConfig,
        state: SharedState,
        session: requests.Session | None = None,
        token: SecretStr | None = None,
    ) -> None:
        self.account_id = account_id
        self.config = config
        self.state = state
        self.client = WeiboClient(account_id, config, session, token)

    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        phases: dict[str, Any] = dict(ctx.receipt.phases)
        status_id = recorded(phases, "status_id")
        if status_id:
            return Receipt(phases=phases, remote_id=str(status_id), url=recorded(phases, "url"))
        text = str(rendition.payload.get("text") or "")
        if not text:
            raise Rejected("微博正文为空，无法发布")
        self._spend_hourly_budget()
        earlier = bool(recorded(phases, "share_started_at"))
        sharing = {
            "share_started_at": datetime.now(SHANGHAI).isoformat(),
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "attempts": int(recorded(phases, "attempts") or 0) + 1,
        }
        ctx.record("sharing", **sharing)
        phases["sharing"] = {**phases.get("sharing", {}), **sharing}
        picture = next((a for a in rendition.assets if a.role == "picture"), None)
        files = None
        if picture is not None:
            files = {"pic": (picture.name.rsplit("/", 1)[-1], picture.data, picture.media_type)}
        try:
            body = self.client.call(
                "POST",
                self.config.share_path,
                what="发布微博",
                safe_to_repeat=False,
                fields={"status": text},
                files=files,
                idempotency_key=ctx.idempotency_key,
            )
        except DuplicateContent as exc:
            exc.earlier_attempt = earlier
            raise
        status_id = str(body.get("idstr") or body.get("id"))
        uid = str((body.get("user") or {}).get("idstr") or (body.get("user") or {}).get("id") or "")
        url = f"{self.config.post_web_base}/{uid}/{status_id}"
        posted = {"status_id": status_id, "uid": uid, "url": url}
        # Saved with the row's `published` state, in the same commit: the share is already out,
        # and the intent mark above is what keeps a lost worker from sending it again.
        note_phase(ctx, "posted", **posted)
        phases["posted"] = posted
        return Receipt(phases=phases, remote_id=status_id, url=url)

    def _spend_hourly_budget(self) -> None:
        used = self.state.incr_window(f"weibo:{self.account_id}:posts", 3600.0)
        if used > self.config.hourly_limit:
            reset = datetime.now(SHANGHAI) + timedelta(hours=1)
            raise QuotaExceeded(
                f"微博账号“{self.account_id}”一小时内已发布 {self.config.hourly_limit} 条，暂停到 {reset:%H:%M}",
                code="hourly_limit",
                reset_at=reset,
            )

    def status(self, receipt: Receipt, ctx: PublishContext) -> PublishStatus:
        """A share is final when it returns: there is no asynchronous job to wait for."""
        status_id = receipt.remote_id or recorded(receipt.phases, "status_id")
        if not status_id:
            raise Permanent("这条微博还没有发布成功，无法查询状态")
        url = receipt.url or recorded(receipt.phases, "url")
        return PublishStatus(state="published", url=url, remote_id=str(status_id))

    def reconcile(self, receipt: Receipt, ctx: PublishContext, rendition: Rendition | None = None) -> PublishStatus | None:
        """What became of a publication whose worker or answer was lost: posted (id recorded),
        `absent` (no share was ever sent), or None — a share went out without an answer, which
        only a retry (answered 20019 → `DuplicateContent.earlier_attempt`) or an editor can settle."""
        if receipt.remote_id or recorded(receipt.phases, "status_id"):
            return self.status(receipt, ctx)
        if not recorded(receipt.phases, "share_started_at"):
            return PublishStatus(state=ABSENT, reason="尚未发送")
        return None

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        status_id = receipt.remote_id or recorded(receipt.phases, "status_id")
        if not status_id:
            raise Permanent("找不到这条微博的编号，无法删除：请到微博上手动删除")
        try:
            self.client.call(
                "POST",
                self.config.destroy_path,
                what="删除微博",
                safe_to_repeat=True,  # deleting twice ends the same way
                fields={"id": str(status_id)},
                idempotency_key=ctx.idempotency_key,
            )
        except Permanent as exc:
            if exc.code != 20101:  # already gone: that is what we wanted
                raise
        ctx.record("retracted", retracted_at=datetime.now(SHANGHAI).isoformat())

    def metrics(self, receipt: Receipt, ctx: PublishContext) -> Metrics | None:
        status_id = receipt.remote_id or recorded(receipt.phases, "status_id")
        if not status_id:
            return None
        body = self.client.call(
            "GET", self.config.count_path, what="读取微博转评赞", safe_to_repeat=True, fields={"ids": str(status_id)}
        )
        for entry in body if isinstance(body, list) else []:
            if str(entry.get("id")) == str(status_id):
                return Metrics(
                    shares=int(entry.get("reposts", 0)),
                    comments=int(entry.get("comments", 0)),
                    likes=int(entry.get("attitudes", 0)),
                    measured_at=datetime.now(SHANGHAI),
                )
        return None
