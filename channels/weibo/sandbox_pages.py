"""Readable pages of the Weibo sandbox (a timeline and one page per post) and its figures."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from jinja2 import Environment
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from channels.weibo.sandbox import Post, WeiboSandbox

SHANGHAI = ZoneInfo("Asia/Shanghai")
_env = Environment(autoescape=True)
_STYLE = """
body{max-width:640px;margin:0 auto;padding:24px 16px;font:15px/1.7 -apple-system,"PingFang SC",
"Microsoft YaHei",sans-serif;color:#333;background:#f2f2f5}.card{background:#fff;border-radius:8px;
padding:14px 16px;margin:12px 0}.who{font-weight:600;color:#eb7350}.meta{color:#999;font-size:12px}
.banner{color:#666;font-size:13px}img{max-width:100%;border-radius:4px}.gone{color:#b00}
.figures{color:#999;font-size:13px}
"""
_PAGE = _env.from_string(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{{ title }}</title>
<style>{{ style }}</style></head><body>
<p class="banner">本地沙箱：模拟微博接口，内容不会发到真实平台。{% if back %} · <a href="{{ back }}">全部微博</a>{% endif %}</p>
<h1>{{ title }}</h1>
{% if not cards %}<p>还没有微博。用 <code>publisher run</code> 或 <code>make demo</code> 发布后刷新本页。</p>{% endif %}
{% for c in cards %}<div class="card"><div class="who">{{ c.who }}</div>
<div class="meta"><a href="{{ c.link }}">{{ c.when }}</a></div>
{% if c.deleted %}<p class="gone">该微博已被作者删除</p>{% else %}<p>{{ c.text }}</p>
{% if c.picture %}<img src="{{ c.picture }}" alt="配图">{% endif %}
<div class="figures">转发 {{ c.reposts }}　评论 {{ c.comments }}　赞 {{ c.attitudes }}</div>{% endif %}
</div>{% endfor %}</body></html>"""
)


def figures(post_id: int) -> dict[str, int]:
    """Deterministic counts: the same post always shows the same reposts, comments and likes."""
    seed = int(hashlib.sha256(str(post_id).encode()).hexdigest()[:8], 16)
    return {"reposts": seed % 60, "comments": seed % 45, "attitudes": 10 + seed % 300}


# Links in a post, as the sandbox's share endpoint finds them (channels/weibo/sandbox.py uses it).
URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _linked(text: str) -> Markup:
    out, position = [], 0
    for match in URL.finditer(text):
        out.append(escape(text[position : match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


def _card(request: Request, post: Post) -> dict:
    return {
        "who": f"沙箱用户{post.uid % 10000:04d}（uid {post.uid}）",
        "when": datetime.fromtimestamp(post.created_at, SHANGHAI).strftime("%Y年%m月%d日 %H:%M"),
        "link": f"{request.root_url}{post.uid}/{post.id}",
        "text": _linked(post.text),
        "picture": f"{request.root_url}pic/{post.picture}" if post.picture else None,
        "deleted": post.deleted,
        **figures(post.id),
    }


def index(sandbox: WeiboSandbox, request: Request, posts: list[Post]) -> str:
    cards = [_card(request, p) for p in posts]
    return _PAGE.render(title=f"微博沙箱 · 全部微博（{len(cards)}）", cards=cards, back=None, style=_STYLE)


def post_page(sandbox: WeiboSandbox, request: Request, post: Post) -> str:
    return _PAGE.render(title="微博正文", cards=[_card(request, post)], back=request.root_url, style=_STYLE)


def not_found() -> str:
    return "<!doctype html><meta charset='utf-8'><title>未找到</title><p>没有这条微博。</p>"
