"""The report as one self-contained HTML page: the table, the rules, and inline SVG charts.

Nothing is loaded from anywhere (no CDN, no script); the Content-Security-Policy says so, so
the page can be mailed, archived or opened from disk and shows the same thing.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from publisher.office.reports.charts import report_charts
from publisher.office.reports.quarterly import QuarterlyReport
from publisher.office.reports.table import points_text, report_table, side_tables

# Inline styles only (matplotlib's SVG carries a <style> element too); no scripts at all.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_env = Environment(
    loader=PackageLoader("publisher.office.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return points_text(value)
    return str(value)


_env.filters["cell"] = _cell


def _context(report: QuarterlyReport, charts: bool) -> dict:
    svg = {name: Markup(markup) for name, markup in report_charts(report).items()} if charts else {}
    return {"table": report_table(report), "sides": side_tables(report), "report": report, "charts": svg, "csp": REPORT_CSP}


def render_html(report: QuarterlyReport, *, charts: bool = True) -> str:
    """A whole page."""
    return _env.get_template("report.html.j2").render(**_context(report, charts))


def render_html_section(report: QuarterlyReport, *, charts: bool = True) -> Markup:
    """The table, charts and rules, for embedding in another page (the dashboard)."""
    return Markup(_env.get_template("_report_body.html.j2").render(**_context(report, charts)))
