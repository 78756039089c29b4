"""The site pane of the preview page: the channel's real article page made self-contained —
its stylesheet inlined, its images as data: URIs — shown in a sandboxed `<iframe srcdoc>`
(no scripts, no origin)."""

from __future__ import annotations

import posixpath
import re

from channels.base import Rendition
from channels.preview_kit import data_uri, render_pane

_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>', re.IGNORECASE)
_STYLESHEET = re.compile(r'<link rel="stylesheet"[^>]*>')
_SRCSET = re.compile(r'\s(?:srcset|sizes)="[^"]*"')
_SRC = re.compile(r'src="([^":]+)"')  # relative image paths only

PANE = """<iframe class="page-frame" title="网站页面" sandbox="" srcdoc="{{ page }}"></iframe>
<div class="url">{{ url }}</div>"""
PROBLEM = """<div class="failed">{{ problem }}</div>"""


def self_contained_page(rendition: Rendition) -> str | None:
    html, path = rendition.payload.get("html"), rendition.payload.get("path")
    if not html or not path:
        return None
    try:
        from channels.site.theme import stylesheet

        css = stylesheet().decode("utf-8")
    except (ImportError, OSError):
        css = ""
    folder = posixpath.dirname(path)

    def image(match: re.Match) -> str:
        name = posixpath.normpath(posixpath.join(folder, match.group(1))).lstrip("/")
        asset = rendition.asset(name)
        return f'src="{data_uri(asset.media_type, asset.data)}"' if asset else 'src=""'

    html = _CSP.sub("", html)  # the parent page's policy applies to the frame instead
    html = _STYLESHEET.sub(lambda _: f"<style>{css}</style>", html)
    html = _SRCSET.sub("", html)
    return _SRC.sub(image, html)


def page_pane(rendition: Rendition) -> str:
    page = self_contained_page(rendition)
    if page is None:
        return render_pane(PROBLEM, problem=rendition.payload.get("problem") or "网站页面未能生成")
    return render_pane(PANE, page=page, url=rendition.payload.get("url") or "")
