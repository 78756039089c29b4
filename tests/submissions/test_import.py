"""`publisher import`: last year's spreadsheet in, every bad row named by its line and nothing
half-imported; and the round trip export → import into a fresh ledger → export, equal."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.matrix import load_matrix
from publisher.ledger import open_ledger
from publisher.ledger.submissions import NewSubmission, SubmissionError
from publisher.office.reports import Year, build_quarterly_report
from publisher.office.submissions.spreadsheet import COLUMNS
from tests.reports.history import TZ
from tests.reports.year import write_year_matrix, year_workspace

runner = CliRunner()


def use(monkeypatch, url, tmp_path):
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_export_import_export_is_equal(tmp_path, monkeypatch, fmt):
    ledger, _, root, url = year_workspace(tmp_path / "old")
    ledger.close()
    use(monkeypatch, url, tmp_path)
    first = tmp_path / f"first.{fmt}"
    done = runner.invoke(app, ["export", "--submissions", "-f", fmt, "-o", str(first), "--content", str(root)])
    assert done.exit_code == 0, done.output

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    use(monkeypatch, fresh, tmp_path)
    imported = runner.invoke(app, ["import", str(first), "--content", str(root)])
    assert imported.exit_code == 0, imported.output
    assert "已导入 5 条报送、4 条采用记录" in imported.output
    second = tmp_path / f"second.{fmt}"
    assert runner.invoke(app, ["export", "--submissions", "-f", fmt, "-o", str(second), "--content", str(root)]).exit_code == 0
    if fmt == "csv":
        assert first.read_bytes() == second.read_bytes()
        assert first.read_text(encoding="utf-8-sig").count("\n") == 1 + 5 + 2  # 5 submissions, 2 item adoptions
    else:
        rows = [[[c.value for c in r] for r in load_workbook(p)["报送与采用"].iter_rows()] for p in (first, second)]
        assert rows[0] == rows[1] and rows[0][0] == COLUMNS and len(rows[0]) == 8
    with open_ledger(fresh) as ledger:
        s1 = ledger.submission("2026-001")
        assert (s1.state, s1.item_id, s1.reporter, s1.info_type) == ("adopted", "2026/04/s1", "张三", "经验做法")
        assert [e.event for e in ledger.history() if e.event == "history-imported"] == ["history-imported"]
    again = runner.invoke(app, ["import", str(first), "--content", str(root)])
    assert again.exit_code == 2 and "编号“2026-001”的报送已在账本中" in again.output


def last_year(path, rows):
    """The office's own spreadsheet: a row per piece, its adoption beside it, real date cells."""
    book = Workbook()
    sheet = book.active
    sheet.title = "2025年信息报送"
    sheet.append(["编号", "标题", "报送单位", "信息员", "信息类型", "报送日期", "采用级别", "采用单位", "采用日期", "链接"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_last_years_spreadsheet_gives_the_years_figures(tmp_path, monkeypatch):
    root = write_year_matrix(tmp_path / "content")
    url = f"sqlite:///{tmp_path / 'l.sqlite3'}"
    use(monkeypatch, url, tmp_path)
    d = datetime
    path = last_year(tmp_path / "2025.xlsx", [
        ["A1", "办公室工作动态一", "办公室", "张三", "动态", d(2025, 2, 3), "省级", "省政府办公厅《政务信息》", d(2025, 2, 10), None],
        ["A2", "办公室经验做法", "办公室", "张三", "经验做法", d(2025, 5, 6), "省级", "省政府办公厅《政务信息》", d(2025, 6, 1), None],
        ["A2", None, None, None, None, None, "国家级", "国务院办公厅《政务信息》", d(2025, 7, 1), "https://gov.example/1"],
        ["B1", "数据资源处问题建议", "数据资源处", "李四", "问题建议", d(2025, 8, 8), None, None, None, None],
        ["B2", "数据资源处动态", "数据资源处", "李四", "动态", d(2025, 11, 30), "市级", "市政府办公室《每日要情》", d(2026, 1, 5), None],
    ])  # fmt: skip
    done = runner.invoke(app, ["import", str(path), "--content", str(root)])
    assert done.exit_code == 0, done.output
    assert "已导入 4 条报送、4 条采用记录" in done.output
    with open_ledger(url) as ledger:
        year = build_quarterly_report(ledger, load_matrix(root), Year(2025), now=datetime(2025, 12, 31, tzinfo=TZ))
        rows = {r.department: (r.submitted, r.adopted, dict(r.by_level), r.score) for r in year.rows}
        # 经验做法 at 省级 is 8 points (type_points); B2 adopted only in 2026.
        assert rows["办公室"] == (2, 2, {"省级": 2, "国家级": 1}, 5 + 8 + 10)
        assert rows["数据资源处"] == (2, 0, {}, 0)
        assert ledger.submission("B1").state == "submitted" and ledger.submission("A1").state == "adopted"


def test_bad_rows_are_each_named_and_nothing_is_imported(tmp_path, monkeypatch):
    root = write_year_matrix(tmp_path / "content")
    url = f"sqlite:///{tmp_path / 'l.sqlite3'}"
    use(monkeypatch, url, tmp_path)
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(
        "编号,标题,报送单位,信息员,信息类型,报送日期,采用级别,采用单位,采用日期,链接\n"
        "G1,好的一条,办公室,张三,动态,2025-03-01,市级,市政府办公室《每日要情》,2025-03-05,\n"
        "G2,,办公室,张三,动态,2025-03-02,,,,\n"
        "G3,类型不对,办公室,张三,简报,2025-03-03,,,,\n"
        "G4,日期不对,办公室,张三,动态,2025年3月4日,,,,\n"
        "G5,级别不对,办公室,张三,动态,2025-03-05,县级,县委办《信息》,2025-03-06,\n"
        "G6,采用早于报送,办公室,张三,动态,2025-03-06,省级,省政府办公厅《政务信息》,2025-03-01,\n"
        "G1,重复编号,办公室,张三,动态,2025-03-07,,,,\n"
        "X9,,,,,,市级,市政府办公室《每日要情》,2025-03-08,ftp://x\n",
        encoding="gb18030",  # as Excel saves a CSV on a Chinese Windows
    )
    done = runner.invoke(app, ["import", str(csv_path), "--content", str(root)])
    assert done.exit_code == 2
    shown = done.output.replace("\n", "")
    for sentence in ("第 3 行：缺少标题", "第 4 行：未知的信息类型“简报”", "第 5 行：报送日期“2025年3月4日”无法识别",
                     "第 6 行：未知的采用级别“县级”", "第 7 行：采用日期早于报送日期", "第 8 行：编号“G1”与第 2 行重复",
                     "第 9 行：编号“X9”没有对应的报送", "第 9 行：链接应以 http:// 或 https:// 开头",
                     "共 8 个问题，整个文件都未导入"):  # fmt: skip
        assert sentence in shown, sentence
    with open_ledger(url) as ledger:
        assert ledger.submissions() == [] and ledger.adoptions() == []


def test_the_ledger_writes_all_or_nothing(tmp_path):
    with open_ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as ledger:
        good = NewSubmission("K1", "一", "办公室", "动态", datetime(2025, 1, 2, tzinfo=TZ))
        with pytest.raises(SubmissionError, match="K1"):
            ledger.import_history([good, good], [])
        assert ledger.submissions() == [] and [e for e in ledger.history() if e.event.startswith("submission")] == []


def test_a_file_that_is_not_a_table(tmp_path, monkeypatch):
    root = write_year_matrix(tmp_path / "content")
    use(monkeypatch, f"sqlite:///{tmp_path / 'l.sqlite3'}", tmp_path)
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    broken = runner.invoke(app, ["import", str(tmp_path / "x.xlsx"), "--content", str(root)])
    assert broken.exit_code == 2 and "无法读取，文件可能已损坏" in broken.output
    (tmp_path / "cols.csv").write_text("标题,报送单位\n一,办公室\n", encoding="utf-8")
    missing = runner.invoke(app, ["import", str(tmp_path / "cols.csv"), "--content", str(root)])
    assert missing.exit_code == 2 and "第 1 行：缺少列“报送日期”" in missing.output
