"""sitemap.xml in the sitemaps.org 0.9 schema.

Up to `MAX_URLS` addresses go in one `urlset` file. Above that, `sitemap.xml` becomes a
`sitemapindex` pointing at `sitemap-1.xml`, `sitemap-2.xml`, … (the protocol's 50,000-URL and
50 MB limits per file; our lines are short, so the count is what binds).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from publisher.content.matrix import Matrix

MAX_URLS = 50_000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class SitemapUrl:
    path: str
    lastmod: str | None = None  # W3C datetime


def _urlset(base: str, urls: list[SitemapUrl]) -> bytes:
    lines = [HEAD, f'<urlset xmlns="{NS}">\n']
    for url in urls:
        lines.append(f"<url><loc>{escape(base + url.path)}</loc>")
        if url.lastmod:
            lines.append(f"<lastmod>{escape(url.lastmod)}</lastmod>")
        lines.append("</url>\n")
    lines.append("</urlset>\n")
    return "".join(lines).encode()


def _index(base: str, parts: list[tuple[str, str | None]]) -> bytes:
    lines = [HEAD, f'<sitemapindex xmlns="{NS}">\n']
    for path, lastmod in parts:
        lines.append(f"<sitemap><loc>{escape(base + path)}</loc>")
        if lastmod:
            lines.append(f"<lastmod>{escape(lastmod)}</lastmod>")
        lines.append("</sitemap>\n")
    lines.append("</sitemapindex>\n")
    return "".join(lines).encode()


def render_sitemaps(matrix: Matrix, urls: list[SitemapUrl], *, max_urls: int = MAX_URLS) -> dict[str, bytes]:
    """{site path: bytes}: `/sitemap.xml` alone, or an index plus numbered parts."""
    base = matrix.site.base_url
    if len(urls) <= max_urls:
        return {"/sitemap.xml": _urlset(base, urls)}
    files: dict[str, bytes] = {}
    parts: list[tuple[str, str | None]] = []
    for number, start in enumerate(range(0, len(urls), max_urls), start=1):
        chunk = urls[start : start + max_urls]
        path = f"/sitemap-{number}.xml"
        files[path] = _urlset(base, chunk)
        parts.append((path, max((u.lastmod for u in chunk if u.lastmod), default=None)))
    files["/sitemap.xml"] = _index(base, parts)
    return files
