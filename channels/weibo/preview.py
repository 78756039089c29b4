"""The Weibo pane of the preview page: the post card with its link and length count."""

from __future__ import annotations

from datetime import datetime

from channels.base import Rendition
from channels.preview_kit import asset_uri, link_parts, render_pane
from channels.weibo.length import URL_PATTERN

PANE = """<div class="post-card">
  <div class="who"><div class="avatar">{{ name[:1] }}</div><div><div class="name">{{ name }}</div><div class="meta">{{ when.strftime("%m月%d日 %H:%M") }}</div></div></div>
  <div class="text">{% for part, is_link in parts %}{% if is_link %}<span class="link">{{ part }}</span>{% else %}{{ part }}{% endif %}{% endfor %}</div>
  {% if picture %}<img src="{{ picture }}" alt="配图">{% endif %}
  <div class="count{{ ' over' if p.length > p.limit }}">{{ p.length }} / {{ p.limit }} 字{% if p.length > p.limit %}，超出 {{ p.length - p.limit }} 字{% endif %}</div>
</div>"""


def post_pane(rendition: Rendition, account_name: str, when: datetime) -> str:
    payload = rendition.payload
    picture = next((a for a in rendition.assets if a.role == "picture"), None)
    return render_pane(
        PANE,
        p=payload,
        name=account_name,
        when=when,
        parts=link_parts(str(payload.get("text", "")), URL_PATTERN),
        picture=asset_uri(picture),
    )
