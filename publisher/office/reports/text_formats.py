"""The report as Markdown (to paste into a 通报) and CSV (UTF-8 with BOM, so Excel reads it)."""

from __future__ import annotations

import csv
import io

from publisher.office.reports.quarterly import QuarterlyReport
from publisher.office.reports.table import Cell, points_text, report_table, side_tables


def _shown(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return points_text(value)
    return str(value)


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: QuarterlyReport) -> str:
    table = report_table(report)
    lines = [f"# {table.title}", ""]
    lines.append("| " + " | ".join(table.headers) + " |")
    lines.append("|" + "|".join("---" if i == 1 else "---:" for i in range(len(table.headers))) + "|")
    for row in [*table.rows, table.total]:
        lines.append("| " + " | ".join(_md_escape(_shown(c)) for c in row) + " |")
    if not table.rows:
        lines += ["", "本期没有报送或采用记录。"]
    for side in side_tables(report):
        lines += ["", f"## {side.title}", ""]
        lines.append("| " + " | ".join(side.headers) + " |")
        lines.append("|" + "|".join("---" if i < 2 else "---:" for i in range(len(side.headers))) + "|")
        for row in side.rows:
            lines.append("| " + " | ".join(_md_escape(_shown(c)) for c in row) + " |")
    lines += ["", "## 统计口径", ""]
    lines += [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"


def render_csv(report: QuarterlyReport) -> bytes:
    table = report_table(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in [*table.rows, table.total]:
        writer.writerow([_csv_safe(_shown(c)) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_safe(text: str) -> str:
    # A department name starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
