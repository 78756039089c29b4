"""The WeChat pane of the preview page: the article on a phone, and the share card."""

from __future__ import annotations

from datetime import datetime

from channels.base import Rendition
from channels.preview_kit import asset_uri, inline_assets, render_pane

PANE = """<div class="phone">
  <div class="bar">{{ name }}</div>
  <article>
    <h1 class="article-title">{{ p.title }}</h1>
    <div class="article-meta"><span class="author">{{ p.author }}</span>{{ name }} · {{ when.strftime("%Y年%m月%d日 %H:%M") }}</div>
    <div class="article-content">{{ body }}</div>
    {% if p.content_source_url %}<div class="readmore">阅读原文</div>{% endif %}
  </article>
</div>
<div class="share">
  {% if cover %}<img src="{{ cover }}" alt="封面" style="object-position: {{ focus[0] * 100 }}% {{ focus[1] * 100 }}%">{% endif %}
  <div class="t">{{ p.title }}</div>
  <div class="d">{{ p.digest }}</div>
</div>
{% if p.content_source_url %}<div class="url">阅读原文：{{ p.content_source_url }}</div>{% endif %}"""


def article_pane(rendition: Rendition, account_name: str, when: datetime, focus: tuple[float, float]) -> str:
    payload = rendition.payload
    return render_pane(
        PANE,
        p=payload,
        name=account_name,
        when=when,
        body=inline_assets(str(payload.get("content", "")), rendition),
        cover=asset_uri(rendition.asset(payload.get("cover") or "")),
        focus=focus,
    )
