"""Quarterly reports (信息报送情况通报): per department, submitted and adopted items, reach,
score and reward tier, in Markdown, CSV, Excel or HTML with charts.

    report = build_quarterly_report(ledger, matrix, Quarter.parse("2026Q4"))
    data = render_report(report, "xlsx")          # bytes, whatever the format

Definitions of "submitted" and "adopted": `publisher.office.reports.quarterly`, docs/reports.md.
"""

from __future__ import annotations

from typing import Literal

from publisher.office.reports.quarter import Quarter, Year
from publisher.office.reports.quarterly import (
    DepartmentRow,
    QuarterlyReport,
    build_annual_report,
    build_quarterly_report,
)

ReportFormat = Literal["md", "csv", "xlsx", "html"]
FORMATS: tuple[str, ...] = ("md", "csv", "xlsx", "html")


def render_report(report: QuarterlyReport, fmt: ReportFormat) -> bytes:
    """The report in one format, as the bytes of a file."""
    if fmt == "md":
        from publisher.office.reports.text_formats import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "csv":
        from publisher.office.reports.text_formats import render_csv

        return render_csv(report)
    if fmt == "xlsx":
        from publisher.office.reports.xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "html":
        from publisher.office.reports.html import render_html

        return render_html(report).encode("utf-8")
    raise ValueError(f"不支持的格式“{fmt}”，可选：{'、'.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "DepartmentRow",
    "Quarter",
    "QuarterlyReport",
    "ReportFormat",
    "Year",
    "build_annual_report",
    "build_quarterly_report",
    "render_report",
]
