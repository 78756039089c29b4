"""The dashboard as static pages: overview and status board, calendar (month and week),
inspection results, and the quarterly report with its charts.

    index = build_dashboard(runtime_or_ledger, matrix, settings, Path("out/dashboard"), now)

Read-only: it reads the ledger and the built site and writes HTML, nothing else. No script
anywhere; a Content-Security-Policy forbids any, so a title an editor typed can never run.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from publisher.office.dashboard.board import status_board
from publisher.office.dashboard.calendar import WEEKDAYS, calendar_entries, month_view, week_view
from publisher.office.inspection import run_inspection
from publisher.office.reports import Quarter, build_quarterly_report
from publisher.office.reports.html import render_html_section

if TYPE_CHECKING:
    from publisher.content.matrix import Matrix
    from publisher.ledger import Ledger
    from publisher.settings import Settings

CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)
PAGES = ("index.html", "calendar.html", "inspection.html", "report.html")
NAV = (("index.html", "总览"), ("calendar.html", "发布日历"), ("inspection.html", "监测结果"), ("report.html", "季度通报"))

_env = Environment(
    loader=PackageLoader("publisher.office.dashboard", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _ledger_of(source: Any) -> Ledger:
    return getattr(source, "ledger", source)


def build_dashboard(
    source: Any,
    matrix: Matrix,
    settings: Settings,
    out: Path,
    now: datetime | None = None,
    *,
    site_dir: Path | None = None,
    quarter: Quarter | None = None,
) -> Path:
    """Write the dashboard into `out` (a Runtime or a Ledger as `source`); returns index.html.

    `site_dir` defaults to the settings' built site; `quarter` to the one containing `now`.
    """
    ledger = _ledger_of(source)
    now = (now or datetime.now(matrix.tz)).astimezone(matrix.tz)
    site_dir = site_dir if site_dir is not None else settings.site_dir
    quarter = quarter or Quarter.containing(now, matrix.tz)
    entries = calendar_entries(ledger, matrix)
    inspection = run_inspection(ledger, matrix, site_dir if site_dir.exists() else None, now)
    report = build_quarterly_report(ledger, matrix, quarter, now=now)
    common = {
        "csp": CSP,
        "nav": NAV,
        "now": now,
        "office": matrix.site.title,
        "generated": f"{now:%Y-%m-%d %H:%M}",
        "site_built": site_dir.exists(),
    }
    pages = {
        "index.html": ("index.html.j2", {"board": status_board(ledger, matrix), "inspection": inspection}),
        "calendar.html": ("calendar.html.j2", {
            "month": month_view(entries, now, matrix.tz), "week": week_view(entries, matrix, now), "weekdays": WEEKDAYS,
        }),
        "inspection.html": ("inspection.html.j2", {"inspection": inspection}),
        "report.html": ("report.html.j2", {"report": report, "section": render_html_section(report)}),
    }  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "dashboard.css", (Path(__file__).with_name("templates") / "dashboard.css").read_bytes())
    for name, (template, context) in pages.items():
        html = _env.get_template(template).render(page=name, **common, **context)
        _write(out / name, html.encode("utf-8"))
    return out / "index.html"


def _write(target: Path, data: bytes) -> None:
    """Atomic replace: a browser (or the server) never reads half a page."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(temp, 0o644)
    os.replace(temp, target)
