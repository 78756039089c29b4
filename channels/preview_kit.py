"""Helpers for `Channel.preview`: a channel's pane on the preview page is a self-contained HTML
fragment, its assets inlined as data: URIs. The page's stylesheet (publisher/render/templates/
preview.html.j2) offers these classes to every channel:

    .phone > .bar, article > h1.article-title, .article-meta, .article-content, .readmore
    .share > img, .t, .d          a share card (cover, title, digest)
    .post-card > .who, .text, .link, img, .count(.over)
    .page-frame                   an <iframe srcdoc> holding a whole page
    .video-frame                  a phone-shaped frame around a <video>
    .fields                       the generic pane: a definition list of payload fields
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from channels.base import Asset, Rendition


_ASSET_SRC = re.compile(r'src="asset:([^"]+)"')
_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def asset_uri(asset: Asset | None) -> str | None:
    return data_uri(asset.media_type, asset.data) if asset is not None else None


def inline_assets(html: str, rendition: Rendition) -> Markup:
    """Swap `asset:NAME` references for data: URIs; unknown names lose their src."""

    def swap(match: re.Match) -> str:
        asset = rendition.asset(match.group(1))
        return f'src="{data_uri(asset.media_type, asset.data)}"' if asset else 'src=""'

    return Markup(_ASSET_SRC.sub(swap, html))  # noqa: S704 - renderer output, sanitized by nh3


def link_parts(text: str, pattern: re.Pattern[str]) -> list[tuple[str, bool]]:
    """Split a post's text into (fragment, is_link) so links can be coloured."""
    parts, position = [], 0
    for match in pattern.finditer(text):
        parts += [(text[position : match.start()], False), (match.group(0), True)]
        position = match.end()
    return [p for p in parts + [(text[position:], False)] if p[0]]


def render_pane(template: str, **values) -> str:
    """Render a channel's pane template (autoescaped; pass Markup for trusted HTML)."""
    return _env.from_string(template).render(**values)


_GENERIC = """<dl class="fields">
{% for key, value in fields %}<dt>{{ key }}</dt><dd>{{ value }}</dd>{% endfor %}
</dl>
{% for uri in pictures %}<img class="picture" src="{{ uri }}" alt="配图">{% endfor %}"""


def _text_fields(payload: dict) -> Iterable[tuple[str, str]]:
    for key, value in payload.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            yield key, str(value)


def generic_pane(rendition: Rendition) -> str:
    """A plugin channel without its own pane: its payload's text fields and its pictures."""
    pictures = [asset_uri(a) for a in rendition.assets if a.media_type.startswith("image/")]
    return render_pane(_GENERIC, fields=list(_text_fields(rendition.payload)), pictures=pictures[:4])


__all__ = ["Markup", "asset_uri", "data_uri", "escape", "generic_pane", "inline_assets", "link_parts", "render_pane"]
