"""What a 抖音 account already carries (`publisher adopt`): its video list (`video/list`, newest
first), matched to renditions by the video's text (title and topics, as created)."""

from __future__ import annotations

from datetime import datetime

from channels.base import Existing, Rendition, SharedState
from channels.douyin.client import DouyinClient
from channels.douyin.config import DouyinConfig

PAGE = 20
MAX_PAGES = 50


def find_existing(account_id: str, config: DouyinConfig, renditions: list[Rendition],
                  state: SharedState) -> dict[str, Existing]:
    client = DouyinClient(account_id, config, state)
    videos: dict[str, dict] = {}
    cursor = 0
    for _ in range(MAX_PAGES):
        body = client.call("GET", config.list_path, what="查询抖音作品列表", safe_to_repeat=True,
                           params={"cursor": str(cursor), "count": str(PAGE)})
        for video in body.get("list") or []:
            videos.setdefault(str(video.get("title") or ""), video)  # newest first
        if not body.get("has_more"):
            break
        cursor = int(body.get("cursor") or 0)
    result = {}
    for rendition in renditions:
        video = videos.get(str(rendition.payload.get("text") or ""))
        if video is None:
            continue
        item_id = str(video["item_id"])
        url = str(video.get("share_url") or f"{config.video_web_base}/{item_id}")
        created = datetime.fromtimestamp(int(video["create_time"])).astimezone() if video.get("create_time") else None
        phases = {"created": {"item_id": item_id, "adopted": True}, "published": {"share_url": url}}
        result[rendition.item_id] = Existing(item_id, url, phases, created)
    return result
