"""The 抖音 pane of the preview page: the generated video playing in a phone-shaped frame, with
the post's text under it (as the app shows it) and the facts an editor checks: duration, size,
captions. Self-contained: the video and its cover frame are data: URIs."""

from __future__ import annotations

import base64
from datetime import datetime

from jinja2 import Environment, select_autoescape

from channels.base import Rendition

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
PANE = _env.from_string("""<div class="douyin-pane">
  <div class="video-frame" style="width:270px;height:480px;background:#000;border-radius:24px;overflow:hidden;border:8px solid #222;position:relative">
    <video controls playsinline preload="metadata" poster="{{ poster }}" src="{{ video }}" style="width:100%;height:100%;display:block;object-fit:cover" title="抖音视频预览"></video>
    <div style="position:absolute;left:12px;right:48px;bottom:44px;color:#fff;font-size:13px;line-height:1.5;text-shadow:0 1px 2px #000;pointer-events:none">
      <div style="font-weight:600">@{{ name }}</div>
      <div>{{ p.title }}{% for t in p.topics %} <span style="font-weight:600">#{{ t }}</span>{% endfor %}</div>
    </div>
  </div>
  <p class="meta">{{ when.strftime("%m月%d日 %H:%M") }} 发布 · 时长 {{ "%.1f"|format(p.duration) }} 秒 · {{ "%.1f"|format(p.size / 1048576) }} MB · 1080×1920{% if p.music %} · 配乐 {{ p.music }}{% else %} · 无配乐{% endif %}</p>
  <ol class="captions">{% for c in p.captions %}<li>{{ c }}</li>{% endfor %}</ol>
</div>""")


def _uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def video_pane(rendition: Rendition, account_name: str, when: datetime) -> str:
    video = next((a for a in rendition.assets if a.role == "video"), None)
    cover = next((a for a in rendition.assets if a.role == "cover"), None)
    return PANE.render(
        p=rendition.payload,
        name=account_name,
        when=when,
        video=_uri(video.media_type, video.data) if video else "",
        poster=_uri(cover.media_type, cover.data) if cover else "",
    )
