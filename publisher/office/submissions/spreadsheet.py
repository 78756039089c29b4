"""Submissions and adoptions as a spreadsheet (CSV or XLSX), out and back in.

One table, Chinese headings (`COLUMNS`). A row with 标题/报送单位/报送日期 is a submission; its
采用级别/采用单位/采用日期 (when filled) is one adoption of it. More adoptions of the same
submission are rows with only its 编号 and the adoption cells; an adoption of an item of the
content repo that no submission names is a row with only 稿件 and the adoption cells. That is
what `export_rows` writes and what last year's spreadsheet usually looks like already (one row
per piece, its adoption beside it).

`read_rows` + `parse_history` check every row and report every problem as “第 N 行：…” (N as
the spreadsheet shows it); `import_history` writes nothing unless all rows are good, and then
writes everything in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path

from openpyxl import Workbook, load_workbook

from publisher.content.matrix import Matrix
from publisher.content.timeparse import parse_local_datetime
from publisher.ledger import Ledger
from publisher.ledger.submissions import (
    STATE_BY_LABEL,
    SUBMISSION_STATES,
    NewAdoption,
    NewSubmission,
    SubmissionError,
)

COLUMNS = ["编号", "标题", "报送单位", "信息员", "信息类型", "报送日期", "状态", "处理日期", "稿件", "备注",
           "采用级别", "采用单位", "采用日期", "链接"]  # fmt: skip
REQUIRED = ["标题", "报送单位", "报送日期"]
ADOPTION = ["采用级别", "采用单位", "采用日期"]
SHEET = "报送与采用"


class ImportProblems(ValueError):
    """Rows that cannot be imported: every problem, each with its line."""

    def __init__(self, source: str, problems: list[str]):
        super().__init__("\n".join(f"{source} {p}" for p in problems))
        self.problems = problems


# -- out ------------------------------------------------------------------------------------
def _when(value: datetime | None, tz: tzinfo) -> str:
    return f"{value.astimezone(tz):%Y-%m-%d %H:%M}" if value else ""


def export_rows(ledger: Ledger, tz: tzinfo) -> list[dict[str, str]]:
    by_submission: dict[int, list] = {}
    item_records = []
    for record in ledger.adoptions():
        if record.submission_id is None:
            item_records.append(record)
        else:
            by_submission.setdefault(record.submission_id, []).append(record)

    def adoption(record) -> dict[str, str]:
        return {"采用级别": record.level, "采用单位": record.outlet, "采用日期": _when(record.adopted_at, tz),
                "链接": record.url or ""}  # fmt: skip

    rows = []
    for s in ledger.submissions():
        row = {"编号": s.key, "标题": s.title, "报送单位": s.department, "信息员": s.reporter or "",
               "信息类型": s.info_type, "报送日期": _when(s.submitted_at, tz), "状态": SUBMISSION_STATES[s.state],
               "处理日期": _when(s.decided_at, tz), "稿件": s.item_id or "", "备注": s.note or ""}  # fmt: skip
        records = by_submission.get(s.id, [])
        rows.append({**row, **(adoption(records[0]) if records else {})})
        rows.extend({"编号": s.key, **adoption(r)} for r in records[1:])
    rows.extend({"稿件": r.item_id, **adoption(r)} for r in item_records)
    return [{c: row.get(c, "") for c in COLUMNS} for row in rows]


def _cell(text: str) -> str:
    # A title starting with = + - @ would be a formula in a spreadsheet; the import strips the quote.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def export_csv(ledger: Ledger, tz: tzinfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in export_rows(ledger, tz):
        writer.writerow(_cell(row[c]) for c in COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(ledger: Ledger, tz: tzinfo) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(COLUMNS)
    for row in export_rows(ledger, tz):
        sheet.append([_cell(row[c]) for c in COLUMNS])  # text cells: read back exactly
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- in -------------------------------------------------------------------------------------
@dataclass
class Row:
    line: int
    cells: dict[str, str]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text[:2] in ("'=", "'+", "'-", "'@") else text


def read_rows(path: Path) -> list[Row]:
    """Rows of a CSV (UTF-8, with or without BOM; GBK as Excel saves it in China) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise ImportProblems(path.name, ["：无法读取，文件可能已损坏或不是 .xlsx 表格"]) from None
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        table = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    elif suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportProblems(path.name, ["：不是 UTF-8 或 GBK 编码的 CSV 文件"])
        table = [[_text(v) for v in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ImportProblems(path.name, [f"：只能导入 .csv 或 .xlsx 表格，不支持“{path.suffix or '无扩展名'}”"])
    if not table:
        raise ImportProblems(path.name, ["：表格是空的"])
    header = [h.strip() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportProblems(path.name, [f"第 1 行：缺少列“{'、'.join(missing)}”（列名见 publisher export --submissions 导出的表格）"])
    rows = []
    for number, values in enumerate(table[1:], start=2):
        cells = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
        if any(cells.values()):
            rows.append(Row(number, cells))
    return rows


@dataclass
class History:
    submissions: list[NewSubmission] = field(default_factory=list)
    adoptions: list[NewAdoption] = field(default_factory=list)


def parse_history(rows: list[Row], matrix: Matrix, ledger: Ledger) -> tuple[History, list[str]]:
    """Every row checked; (what to import, problems). Import only when problems is empty."""
    tz, rules = matrix.tz, matrix.report
    problems: list[str] = []
    out = History()
    known = {s.key for s in ledger.submissions()}
    dates: dict[str, datetime] = {}
    seen: dict[str, int] = {}

    def moment(row: Row, column: str) -> datetime | None:
        try:
            return parse_local_datetime(row.cells[column], tz)
        except ValueError:
            problems.append(f"第 {row.line} 行：{column}“{row.cells[column]}”无法识别，请写成 2026-11-20 或 2026-11-20 09:00")
            return None

    for row in rows:
        c = {k: row.cells.get(k, "").strip() for k in COLUMNS}
        before = len(problems)
        key = c["编号"] or f"导入-{row.line}"
        is_submission = any(c[k] for k in REQUIRED)
        if is_submission:
            for column in REQUIRED:
                if not c[column]:
                    problems.append(f"第 {row.line} 行：缺少{column}")
            if key in seen:
                problems.append(f"第 {row.line} 行：编号“{key}”与第 {seen[key]} 行重复")
            elif key in known:
                problems.append(f"第 {row.line} 行：编号“{key}”的报送已在账本中（整个文件都未导入）")
            seen.setdefault(key, row.line)
            info_type = c["信息类型"] or rules.types[0]
            if info_type not in rules.types:
                problems.append(f"第 {row.line} 行：未知的信息类型“{info_type}”，可选：{'、'.join(rules.types)}")
            state = STATE_BY_LABEL.get(c["状态"] or ("采用" if c["采用级别"] else "报送"))
            if state is None:
                problems.append(f"第 {row.line} 行：未知的状态“{c['状态']}”，可选：{'、'.join(STATE_BY_LABEL)}")
            submitted = moment(row, "报送日期") if c["报送日期"] else None
            decided = moment(row, "处理日期") if c["处理日期"] else None
            if submitted and decided and decided < submitted:
                problems.append(f"第 {row.line} 行：处理日期早于报送日期")
            if len(problems) == before and submitted:
                dates[key] = submitted
                out.submissions.append(NewSubmission(
                    key=key, title=c["标题"], department=c["报送单位"], info_type=info_type, submitted_at=submitted,
                    reporter=c["信息员"] or None, state=state or "submitted", decided_at=decided,
                    item_id=c["稿件"] or None, note=c["备注"] or None,
                ))  # fmt: skip
        elif c["编号"] and c["编号"] not in seen and c["编号"] not in known:
            problems.append(f"第 {row.line} 行：编号“{c['编号']}”没有对应的报送（报送行要写标题、报送单位、报送日期）")
        elif not c["编号"] and not c["稿件"]:
            problems.append(f"第 {row.line} 行：请写编号（对应报送）或稿件（对应内容库中的稿件）")

        if any(c[k] for k in ADOPTION + ["链接"]):
            before = len(problems)
            for column in ADOPTION:
                if not c[column]:
                    problems.append(f"第 {row.line} 行：缺少{column}")
            if c["采用级别"] and c["采用级别"] not in rules.levels:
                problems.append(f"第 {row.line} 行：未知的采用级别“{c['采用级别']}”，可选：{'、'.join(rules.levels)}")
            if c["链接"] and not c["链接"].startswith(("http://", "https://")):
                problems.append(f"第 {row.line} 行：链接应以 http:// 或 https:// 开头")
            adopted = moment(row, "采用日期") if c["采用日期"] else None
            subject_key = key if (is_submission or c["编号"]) else None
            since = dates.get(subject_key or "")
            if adopted and since and adopted < since:
                problems.append(f"第 {row.line} 行：采用日期早于报送日期")
            if len(problems) == before and adopted:
                out.adoptions.append(NewAdoption(
                    level=c["采用级别"], outlet=c["采用单位"], adopted_at=adopted, url=c["链接"] or None,
                    submission_key=subject_key, item_id=None if subject_key else c["稿件"],
                ))  # fmt: skip
    return out, problems


def import_history(ledger: Ledger, matrix: Matrix, path: Path, *, dry_run: bool = False) -> tuple[int, int]:
    """(submissions, adoptions) imported; raises ImportProblems listing every bad row."""
    rows = read_rows(path)
    history, problems = parse_history(rows, matrix, ledger)
    if problems:
        raise ImportProblems(path.name, problems)
    if dry_run:
        return len(history.submissions), len(history.adoptions)
    try:
        return ledger.import_history(history.submissions, history.adoptions)
    except SubmissionError as exc:  # a race with another import: nothing was written
        raise ImportProblems(path.name, [f"：{exc}"]) from None
