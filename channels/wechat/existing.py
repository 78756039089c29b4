"""What a WeChat account already carries (`publisher adopt`): its published articles, read
through `freepublish/batchget` (the "发表记录" list), matched to renditions by title.

A title is what the office writes once per item and the platform keeps as sent; two items with
one title are told apart by nothing the list shows, so the newest article with the title wins
(the operator sees every match before it is recorded: `publisher adopt --dry-run`).
"""

from __future__ import annotations

from datetime import datetime

from channels.base import Existing, Rendition, SharedState
from channels.wechat.client import SHANGHAI, WeChatClient
from channels.wechat.config import WeChatConfig

PAGE = 20  # the platform's largest page
MAX_PAGES = 100  # 2,000 articles: years of an office's account


def published_articles(client: WeChatClient) -> dict[str, tuple[str, str, int]]:
    """Title → (article_id, url, update_time) of the newest live article with that title."""
    found: dict[str, tuple[str, str, int]] = {}
    offset = 0
    for _ in range(MAX_PAGES):
        body = client.call("/cgi-bin/freepublish/batchget", what="查询公众号发表记录", safe_to_repeat=True,
                           json_body_={"offset": offset, "count": PAGE, "no_content": 1})
        entries = body.get("item") or []
        for entry in entries:
            when = int(entry.get("update_time") or 0)
            for news in (entry.get("content") or {}).get("news_item") or []:
                title = news.get("title")
                if not title or news.get("is_deleted"):
                    continue
                if title not in found or found[title][2] < when:
                    found[title] = (str(entry["article_id"]), str(news.get("url") or ""), when)
        offset += len(entries)
        if not entries or offset >= int(body.get("total_count") or 0):
            break
    return found


def find_existing(account_id: str, config: WeChatConfig, renditions: list[Rendition],
                  state: SharedState) -> dict[str, Existing]:
    articles = published_articles(WeChatClient(account_id, config, state))
    result = {}
    for rendition in renditions:
        match = articles.get(str(rendition.payload.get("title") or ""))
        if match is None:
            continue
        article_id, url, when = match
        published_at = datetime.fromtimestamp(when, SHANGHAI) if when else None
        phases = {"published": {"article_id": article_id, "article_url": url, "adopted": True,
                                "published_at": (published_at or datetime.now(SHANGHAI)).isoformat()}}
        result[rendition.item_id] = Existing(article_id, url, phases, published_at)
    return result
