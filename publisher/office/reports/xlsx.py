"""The report as an Excel workbook (openpyxl): the ranked table on 通报, adoptions per account
on 账号采用, 目标完成情况 and 信息员报送情况 when there are any, the rules on 统计口径.
Numbers stay numbers, so offices can sum and sort."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from publisher.office.reports.quarterly import QuarterlyReport
from publisher.office.reports.table import report_table, side_tables

HEAD_FILL = PatternFill("solid", fgColor="FFE8E8E8")


def _safe(value):
    # openpyxl stores a string starting with "=" as a formula: a department name must not be one.
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def render_xlsx(report: QuarterlyReport) -> bytes:
    table = report_table(report)
    book = Workbook()
    sheet = book.active
    sheet.title = "通报"
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(table.headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in table.rows:
        sheet.append([_safe(c) for c in row])
    sheet.append([_safe(c) for c in table.total])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C3"
    for index, header in enumerate(table.headers, start=1):
        longest = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in table.rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(40, 4 + 2 * longest)

    accounts = book.create_sheet("账号采用")
    accounts.append(["报送单位", *[f"{name}（{account}）" for account, name, _ in report.accounts]])
    for cell in accounts[1]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
    for row in report.rows:
        accounts.append([_safe(row.department), *[row.by_account.get(a, 0) for a, _, _ in report.accounts]])

    for side in side_tables(report):
        extra = book.create_sheet(side.title)
        extra.append(side.headers)
        for cell in extra[1]:
            cell.font = Font(bold=True)
            cell.fill = HEAD_FILL
        for row in side.rows:
            extra.append([_safe(c) for c in row])
        extra.column_dimensions["A"].width = 20

    notes = book.create_sheet("统计口径")
    for note in table.notes:
        notes.append([note])
    notes.column_dimensions["A"].width = 120

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
