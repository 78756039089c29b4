"""Readable pages of the WeChat sandbox (what a reader would see) and its datacube figures."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment
from markupsafe import Markup

if TYPE_CHECKING:
    from channels.wechat.sandbox import Job, WeChatSandbox

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUS = {0: "已发布", 1: "发布中", 2: "原创校验未通过", 3: "发布失败", 4: "审核未通过", 5: "已删除", 6: "已被封禁"}

_env = Environment(autoescape=True)
_STYLE = """
body{max-width:680px;margin:0 auto;padding:24px 16px;font:16px/1.75 -apple-system,"PingFang SC",
"Microsoft YaHei",sans-serif;color:#222;background:#fff}
h1{font-size:22px;line-height:1.4}.meta{color:#888;font-size:14px}.banner{background:#f6f6f6;
color:#576b95;font-size:13px;padding:6px 10px;border-radius:4px}img{max-width:100%}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:6px;text-align:left}
.gone{color:#b00}
"""
_INDEX = _env.from_string(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>微信公众号沙箱</title>
<style>{{ style }}</style></head><body>
<p class="banner">本地沙箱：模拟微信公众号发布接口，内容不会发到真实平台。</p>
<h1>微信公众号沙箱 · 已提交的文章（{{ rows|length }}）</h1>
{% if not rows %}<p>还没有文章。用 <code>publisher run</code> 或 <code>make demo</code> 发布后刷新本页。</p>{% endif %}
<table><tr><th>标题</th><th>公众号</th><th>提交时间</th><th>状态</th></tr>
{% for r in rows %}<tr><td>{% if r.url %}<a href="{{ r.url }}">{{ r.title }}</a>{% else %}{{ r.title }}{% endif %}</td>
<td>{{ r.appid }}</td><td>{{ r.when }}</td><td>{{ r.status }}</td></tr>{% endfor %}</table>
</body></html>"""
)
_ARTICLE = _env.from_string(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{{ title }}</title>
<style>{{ style }}</style></head><body>
<p class="banner">本地沙箱 · <a href="../">全部文章</a></p>
{% if deleted %}<p class="gone">该内容已被发布者删除</p>{% else %}
<h1>{{ title }}</h1>
<p class="meta">{{ author }}　{{ appid }}　{{ when }}</p>
<article>{{ content }}</article>
{% if source_url %}<p><a href="{{ source_url }}">阅读原文</a></p>{% endif %}
{% endif %}</body></html>"""
)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, SHANGHAI).strftime("%Y年%m月%d日 %H:%M")


def index(sandbox: WeChatSandbox, jobs: list[Job]) -> str:
    rows = []
    for job in jobs:
        status = sandbox.job_status(job)
        rows.append(
            {
                "title": job.article.get("title", ""),
                "appid": job.appid,
                "when": _when(job.submitted_at),
                "status": STATUS.get(status, str(status)),
                "url": f"s/{job.article_id}" if job.article_id else None,
            }
        )
    return _INDEX.render(rows=rows, style=_STYLE)


def article(sandbox: WeChatSandbox, job: Job) -> str:
    a = job.article
    return _ARTICLE.render(
        title=a.get("title", ""),
        author=a.get("author", ""),
        appid=job.appid,
        when=_when(job.published_at or job.submitted_at),
        # The body went through the sandbox's own sanitizer (scripts, styles, foreign images gone).
        content=Markup(a.get("content", "")),
        source_url=a.get("content_source_url") or None,
        deleted=job.deleted,
        style=_STYLE,
    )


def not_found() -> str:
    return "<!doctype html><meta charset='utf-8'><title>未找到</title><p>没有这篇文章。</p>"


def figures(publish_id: int, stat_date: date, cumulative_days: int) -> dict[str, Any]:
    """Plausible, deterministic reach figures: the same article always has the same numbers."""
    seed = int(hashlib.sha256(str(publish_id).encode()).hexdigest()[:8], 16)
    per_day = 80 + seed % 900
    reads = per_day * cumulative_days - (seed % 37) * (cumulative_days - 1)
    return {
        "stat_date": stat_date.isoformat(),
        "target_user": 5000 + seed % 20000,
        "int_page_read_user": int(reads * 0.8),
        "int_page_read_count": reads,
        "ori_page_read_user": reads // 20,
        "ori_page_read_count": reads // 18,
        "share_user": reads // 12,
        "share_count": reads // 10,
        "add_to_fav_user": reads // 30,
        "add_to_fav_count": reads // 28,
    }
