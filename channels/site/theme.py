"""The site's look: the Jinja2 environment, the stylesheet, and what every page shares (navigation,
relative links, dates in the office's timezone).

Pages link to each other with *relative* URLs, so the folder works wherever it is served (a path
prefix on the web server, or straight from disk); only canonical links, feeds and the sitemap use
`site.base_url`. `THEME_VERSION` hashes the templates, the stylesheet and the builder's format:
when any of them changes, every page's input hash changes and the next build rewrites it.
"""

from __future__ import annotations

import hashlib
import posixpath
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from publisher.content.matrix import Matrix

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "site.css"
CSS_PATH = "/static/site.css"
FORMAT = "site-1"  # bump when the builder's output layout changes

# No script may run on any page: default-src 'none' covers script-src, and styles come only from
# our own stylesheet (table alignment uses classes, not style attributes).
CSP = "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["csp"] = Markup(CSP)  # our constant; quotes stay readable in the page
    return env


@cache
def theme_version() -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for path in sorted(TEMPLATES.glob("*.j2")) + [STYLESHEET]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stylesheet() -> bytes:
    return STYLESHEET.read_bytes()


def relative(from_page: str, to_path: str) -> str:
    """Link from one site path (`/a/b.html`) to another, relative to the first page's folder."""
    rel = _relpath_of_site_paths(from_page, to_path)
    if rel is None:
        rel = posixpath.relpath(to_path, posixpath.dirname(from_page) or "/")
    if to_path.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel


def _relpath_of_site_paths(from_page: str, to_path: str) -> str | None:
    """`posixpath.relpath(to_path, dirname(from_page))` for two absolute paths without `.` or
    `..` parts (every site path), or None for any other: relpath's own steps (split, drop empty
    parts, strip the common head, climb out of the rest) without its abspath/normpath of both,
    which change nothing in such paths and were most of a page's link-making time (18 links a
    page: navigation, stylesheet, feeds, each picture's srcset)."""
    start, path = _site_parts(from_page, True), _site_parts(to_path, False)
    if start is None or path is None:
        return None
    common, most = 0, min(len(start), len(path))
    while common < most and start[common] == path[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + list(path[common:])) or "."


@lru_cache(maxsize=512)
def _site_parts(path: str, folder: bool) -> tuple[str, ...] | None:
    """The non-empty parts of an absolute path (of its folder: `folder`), or None when it is not
    absolute or has a `.` or `..` part. Cached: a page asks from its own path every time, and
    every page links the same stylesheet, feeds and column pages."""
    if path[:1] != "/":
        return None
    parts = tuple(part for part in (path.split("/")[:-1] if folder else path.split("/")) if part)
    return None if "." in parts or ".." in parts else parts


def column_index_path(column_id: str, page: int = 1) -> str:
    return f"/{column_id}/index.html" if page == 1 else f"/{column_id}/page/{page}.html"


def display_time(value: datetime, matrix: Matrix) -> str:
    """`2026年11月20日 09:00` in the office's timezone."""
    local = value.astimezone(matrix.tz)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def display_date(value: datetime, matrix: Matrix) -> str:
    local = value.astimezone(matrix.tz)
    return f"{local.year}年{local.month}月{local.day}日"


def machine_time(value: datetime, matrix: Matrix) -> str:
    return value.astimezone(matrix.tz).isoformat(timespec="minutes")


def page_frame(path: str, matrix: Matrix, *, title: str, description: str = "", current: str | None = None) -> dict:
    """What base.html.j2 needs for the page at `path`."""
    site = matrix.site
    canonical_path = path[: -len("index.html")] if path.endswith("/index.html") else path
    nav = [
        {
            "name": column.name,
            "href": relative(path, column_index_path(column.id)),
            "current": column.id == current,
        }
        for column in matrix.columns
    ]
    return {
        "site": site,
        "lang": site.language,
        "title": title,
        "description": description or site.description,
        "canonical": site.base_url + canonical_path,
        "css": relative(path, CSS_PATH),
        "home": relative(path, "/index.html"),
        "home_current": path == "/index.html",
        "nav": nav,
        "feed_atom": relative(path, "/atom.xml"),
        "feed_rss": relative(path, "/feed.xml"),
        "sitemap": relative(path, "/sitemap.xml"),
    }


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
