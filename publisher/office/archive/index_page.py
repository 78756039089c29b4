"""The archive's index page: one static HTML file in Chinese that an archivist opens from disk.

No script, no stylesheet or font from anywhere (the Content-Security-Policy forbids loading
anything), relative links only, so it reads the same offline, from a USB stick or a file server
in twenty years. Built from `archive.json`'s document, so the page and the data never disagree.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_env = Environment(
    loader=PackageLoader("publisher.office.archive", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _size(value: int) -> str:
    if value < 1024:
        return f"{value} 字节"
    if value < 1024 * 1024:
        return f"{value / 1024:.1f} KB"
    return f"{value / 1024 / 1024:.1f} MB"


def _when(value: str | None) -> str:
    """`2026-11-05T09:00:00+08:00` → `2026-11-05 09:00`."""
    return value[:16].replace("T", " ") if value else "—"


_env.filters["size"] = _size
_env.filters["when"] = _when


def index_html(document: dict, file_count: int) -> bytes:
    versions = document["versions"]
    rows = sorted(
        ((pub, version) for version in versions for pub in version["publications"]),
        key=lambda pair: (pair[0]["published_at"] or "", pair[0]["id"]),
    )
    return _env.get_template("index.html.j2").render(
        period=document["period"], versions=versions, rows=rows, file_count=file_count, csp=CSP,
        publication_count=len(rows),
    ).encode()
