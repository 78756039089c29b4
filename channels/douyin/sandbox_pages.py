"""Readable pages of the 抖音 sandbox: every posted video in a phone-sized player, its text,
review state and figures; and the figures themselves (deterministic per video)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from jinja2 import Environment

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from channels.douyin.sandbox import DouyinSandbox, Item

SHANGHAI = ZoneInfo("Asia/Shanghai")
_env = Environment(autoescape=True)
_STYLE = """
body{max-width:980px;margin:0 auto;padding:24px 16px;font:15px/1.7 -apple-system,"PingFang SC",
"Microsoft YaHei",sans-serif;color:#eee;background:#161823}a{color:#fe2c55}.banner{color:#aaa;font-size:13px}
.grid{display:flex;flex-wrap:wrap;gap:24px}.card{width:300px}.phone{width:300px;height:533px;background:#000;
border-radius:28px;overflow:hidden;border:8px solid #2b2d3a}.phone video{width:100%;height:100%;display:block}
.text{margin:8px 4px 0}.meta{color:#999;font-size:12px;margin:0 4px}.state{font-size:12px;padding:1px 6px;
border-radius:4px;background:#2b2d3a}.gone{color:#fe2c55}
"""
_PAGE = _env.from_string(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{{ title }}</title>
<style>{{ style }}</style></head><body>
<p class="banner">本地沙箱：模拟抖音开放平台接口，视频不会发到真实平台。{% if back %} · <a href="{{ back }}">全部视频</a>{% endif %}</p>
<h1>{{ title }}</h1>
{% if not cards %}<p>还没有视频。用 <code>publisher run</code> 或 <code>make demo</code> 发布后刷新本页。</p>{% endif %}
<div class="grid">{% for c in cards %}<div class="card">
{% if c.deleted %}<div class="phone"></div><p class="gone text">该视频已被作者删除</p>{% else %}
<div class="phone"><video controls playsinline preload="metadata" src="{{ c.src }}"></video></div>
<p class="text"><a href="{{ c.link }}">{{ c.text }}</a></p>
<p class="meta"><span class="state">{{ c.state }}</span> {{ c.when }} · open_id {{ c.open_id }}</p>
<p class="meta">播放 {{ c.play_count }}　点赞 {{ c.digg_count }}　评论 {{ c.comment_count }}　分享 {{ c.share_count }}</p>
{% endif %}</div>{% endfor %}</div></body></html>"""
)
_STATES = {1: "已发布", 2: "不适宜公开", 4: "审核中"}


def figures(item_id: str) -> dict[str, int]:
    """Deterministic counts: the same video always shows the same plays, likes, comments, shares."""
    seed = int(hashlib.sha256(item_id.encode()).hexdigest()[:8], 16)
    return {"play_count": 500 + seed % 9000, "digg_count": 20 + seed % 400, "comment_count": seed % 60,
            "share_count": seed % 80, "forward_count": seed % 30, "download_count": seed % 10}


def _card(sandbox: DouyinSandbox, request: Request, item: Item) -> dict:
    status, _ = sandbox._state(item)
    return {
        "src": f"{request.root_url}media/{item.video_id}.mp4",
        "link": f"{request.root_url}v/{item.item_id}",
        "text": item.text,
        "state": _STATES.get(status, str(status)),
        "when": datetime.fromtimestamp(item.created_at, SHANGHAI).strftime("%Y年%m月%d日 %H:%M"),
        "open_id": item.open_id,
        "deleted": item.deleted,
        **figures(item.item_id),
    }


def index(sandbox: DouyinSandbox, request: Request, items: list[Item]) -> str:
    cards = [_card(sandbox, request, i) for i in items]
    return _PAGE.render(title=f"抖音沙箱 · 已发布的视频（{len(cards)}）", cards=cards, back=None, style=_STYLE)


def item_page(sandbox: DouyinSandbox, request: Request, item: Item) -> str:
    return _PAGE.render(title="抖音视频", cards=[_card(sandbox, request, item)], back=request.root_url, style=_STYLE)


def not_found() -> str:
    return "<!doctype html><meta charset='utf-8'><title>未找到</title><p>没有这个视频。</p>"
