"""What a Weibo account already carries (`publisher adopt`): its own timeline
(`statuses/user_timeline`, which since 2014 answers only for the authorising user's own posts —
exactly the account's), matched to renditions by text.

The platform shortens links (t.cn) and may trim spaces, so texts are compared without links and
white space. An app without the timeline permission (10014) cannot tell: None.
"""

from __future__ import annotations

import re
from datetime import datetime

from channels.base import Existing, Rendition
from channels.errors import ChannelError
from channels.weibo.client import WeiboClient
from channels.weibo.config import WeiboConfig

PAGE = 100  # the API's largest page
MAX_PAGES = 20
_LINK = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    return _SPACE.sub("", _LINK.sub("", text))


def own_posts(client: WeiboClient, path: str) -> dict[str, dict]:
    """Comparable text → the newest live post with it."""
    found: dict[str, dict] = {}
    for page in range(1, MAX_PAGES + 1):
        body = client.call("GET", path, what="查询微博账号自己的微博", safe_to_repeat=True,
                           fields={"count": str(PAGE), "page": str(page)})
        statuses = (body or {}).get("statuses") or []
        for status in statuses:
            key = comparable(str(status.get("text") or ""))
            if key and key not in found:  # newest first
                found[key] = status
        if len(statuses) < PAGE:
            break
    return found


def find_existing(account_id: str, config: WeiboConfig, renditions: list[Rendition]) -> dict[str, Existing] | None:
    client = WeiboClient(account_id, config)
    try:
        posts = own_posts(client, config.timeline_path)
    except ChannelError as exc:
        if str(exc.code) == "10014":  # no timeline permission for this app: cannot tell
            return None
        raise
    result = {}
    for rendition in renditions:
        post = posts.get(comparable(str(rendition.payload.get("text") or "")))
        if post is None:
            continue
        status_id = str(post.get("idstr") or post.get("id"))
        uid = str((post.get("user") or {}).get("idstr") or (post.get("user") or {}).get("id") or "")
        url = f"{config.post_web_base}/{uid}/{status_id}"
        try:
            created = datetime.strptime(str(post.get("created_at")), "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            created = None
        phases = {"posted": {"status_id": status_id, "uid": uid, "url": url, "adopted": True}}
        result[rendition.item_id] = Existing(status_id, url, phases, created)
    return result
