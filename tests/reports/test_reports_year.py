"""Reports over a constructed year (tests/reports/year.py): submissions, adoptions at three
levels, targets and tiers, with exact figures in the quarterly 通报, the annual 考核, the
信息员 table, Excel read back, and `publisher adopted` / `publisher report --year` as editors run them."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from publisher.cli import app
from publisher.office.reports import Quarter, Year, build_quarterly_report, render_report
from tests.reports.history import at
from tests.reports.year import year_workspace

JUNE, DECEMBER = at(6, 20, 10), at(12, 20, 10)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    ledger, matrix, root, url = year_workspace(tmp_path_factory.mktemp("year"))
    yield ledger, matrix, root, url
    ledger.close()


def figures(row):
    return (row.rank, row.department, row.submitted, row.adopted, row.adopted_earlier, row.adopted_of_submitted,
            dict(row.by_channel), dict(row.by_level), row.score, row.tier)  # fmt: skip


def test_second_quarter_counts_each_figure_once(year):
    ledger, matrix, *_ = year
    q2 = build_quarterly_report(ledger, matrix, Quarter(2026, 2), now=JUNE)
    assert [figures(r) for r in q2.rows] == [
        (1, "办公室", 2, 3, 1, 2, {"wechat": 1, "weibo": 1}, {"省级": 1, "国家级": 1}, 22, "一档"),
        (2, "数据资源处", 2, 0, 0, 0, {}, {}, 0, ""),
        (2, "宣传科", 0, 0, 0, 0, {}, {}, 0, ""),  # no activity, but it has targets
    ]
    office = q2.rows[0]
    assert office.adoption_rate == 1.0 and office.upper == 2
    assert (q2.total.submitted, q2.total.adopted, q2.total.adopted_earlier, q2.total.score) == (4, 3, 1, 22)
    assert q2.total.adoption_rate == 0.5
    assert q2.levels == ["市级", "省级", "国家级"]  # 本级 shown only when a record has it


def test_third_and_fourth_quarters(year):
    ledger, matrix, *_ = year
    q3 = build_quarterly_report(ledger, matrix, Quarter(2026, 3), now=at(9, 30, 10))
    by_name = {r.department: figures(r) for r in q3.rows}
    assert by_name["数据资源处"] == (1, "数据资源处", 0, 1, 1, 0, {}, {"市级": 1}, 3, "二档")
    assert by_name["宣传科"][2:6] == (1, 0, 0, 0)  # the returned submission was still submitted
    q4 = build_quarterly_report(ledger, matrix, Quarter(2026, 4), now=DECEMBER)
    assert figures(q4.rows[0]) == (1, "数据资源处", 1, 1, 0, 1, {"site": 1}, {"市级": 1}, 4, "二档")


def test_quarters_add_up_to_the_year(year):
    ledger, matrix, *_ = year
    whole = build_quarterly_report(ledger, matrix, Year(2026), now=DECEMBER)
    quarters = [build_quarterly_report(ledger, matrix, Quarter(2026, n), now=DECEMBER).total for n in (1, 2, 3, 4)]
    assert sum(q.submitted for q in quarters) == whole.total.submitted == 7
    assert sum(q.adopted for q in quarters) == whole.total.adopted == 5
    assert sum(q.score for q in quarters) == whole.total.score == 29
    assert sum(q.upper for q in quarters) == whole.total.upper == 4


def test_annual_assessment_tiers_need_the_targets(year):
    ledger, matrix, *_ = year
    annual = build_quarterly_report(ledger, matrix, Year(2026), now=DECEMBER)
    assert annual.title == "2026 年信息报送年度考核情况"
    assert [figures(r) for r in annual.rows] == [
        # 22 points reach 一档's 20, but 一档 needs the targets met: 3 of 4 submitted.
        (1, "办公室", 3, 3, 0, 3, {"wechat": 1, "weibo": 1}, {"省级": 1, "国家级": 1}, 22, "二档"),
        (2, "数据资源处", 3, 2, 0, 2, {"site": 1}, {"市级": 2}, 7, "三档"),
        (3, "宣传科", 1, 0, 0, 0, {}, {}, 0, ""),
    ]
    targets = {t.department: t for t in annual.targets}
    assert targets["数据资源处"].met and targets["数据资源处"].status == "已完成"
    office = targets["办公室"]
    assert (office.goal("报送").done, office.goal("报送").rate, office.goal("采用").met) == (3, 0.75, True)
    assert office.status == "落后：年度报送差 1 条（剩余 11 天）"
    assert targets["宣传科"].status == "落后：年度报送差 1 条（剩余 11 天）；年度采用差 1 条（剩余 11 天）"
    assert [(r.reporter, r.department, r.submitted, r.adopted, r.upper, r.score) for r in annual.reporters] == [
        ("张三", "办公室", 2, 2, 2, 21),
        ("（未注明信息员）", "数据资源处", 1, 1, 1, 4),
        ("李四", "数据资源处", 2, 1, 1, 3),
        ("（未注明信息员）", "办公室", 1, 1, 0, 1),
        ("王五", "宣传科", 1, 0, 0, 0),
    ]


def test_quarterly_targets_and_surplus(year):
    ledger, matrix, *_ = year
    q2 = build_quarterly_report(ledger, matrix, Quarter(2026, 2), now=JUNE)
    office = next(t for t in q2.targets if t.department == "办公室")
    assert office.goal("报送", "季度").met and office.goal("报送", "年度").done == 3
    assert office.status == "落后：年度报送差 1 条（剩余 194 天）"
    q4 = build_quarterly_report(ledger, matrix, Quarter(2026, 4), now=DECEMBER)
    data = next(t for t in q4.targets if t.department == "数据资源处")
    assert data.goal("报送").done == 3 and data.goal("报送").surplus == 0


def test_xlsx_reads_back_every_sheet(year, tmp_path):
    ledger, matrix, *_ = year
    path = tmp_path / "q2.xlsx"
    path.write_bytes(render_report(build_quarterly_report(ledger, matrix, Quarter(2026, 2), now=JUNE), "xlsx"))
    book = load_workbook(path)
    assert book.sheetnames == ["通报", "账号采用", "目标完成情况", "信息员报送情况", "统计口径"]
    sheet = book["通报"]
    headers = [c.value for c in sheet[2]]
    row = dict(zip(headers, [c.value for c in sheet[3]], strict=True))
    assert (row["报送单位"], row["报送条数"], row["采用条数"], row["其中往期报送"], row["采用率"]) == ("办公室", 2, 3, 1, "100.0%")
    assert (row["省级采用"], row["国家级采用"], row["上级采用"], row["积分"]) == (1, 1, 2, 22)
    targets = book["目标完成情况"]
    office = [c.value for c in targets[4]]
    assert office[:5] == ["办公室", 4, 3, "75.0%", 0] and office[-1] == "落后：年度报送差 1 条（剩余 194 天）"
    reporters = [[c.value for c in r] for r in book["信息员报送情况"].iter_rows(min_row=2)]
    assert reporters[0] == ["张三", "办公室", 1, 2, 2, 22 - 1]


def test_cli_records_an_adoption_with_its_audit_row(tmp_path, monkeypatch):
    ledger, matrix, root, url = year_workspace(tmp_path)
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    args = ["adopted", "2026/11/b", "--by", "省政府办公厅《政务信息》", "--level", "省级", "--date", "2026-12-01",
            "--url", "https://gov.example/zwxx/9", "--content", str(root)]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "级别 省级，计 5 分" in done.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "未重复记录" in again.output
    (audit,) = [e for e in ledger.history("2026/11/b") if e.event == "adoption-recorded" and e.detail["level"] == "省级"]
    assert audit.detail["outlet"] == "省政府办公厅《政务信息》" and audit.detail["url"] == "https://gov.example/zwxx/9"
    q4 = build_quarterly_report(ledger, matrix, Quarter(2026, 4), now=DECEMBER)
    assert q4.rows[0].by_level == {"市级": 1, "省级": 1} and q4.rows[0].score == 9

    wrong = runner.invoke(app, ["adopted", "2026/11/b", "--by", "某刊物", "--level", "县级", "--content", str(root)])
    assert wrong.exit_code == 2 and "未知的采用级别“县级”，可选：本级、市级、省级、国家级" in wrong.output
    missing = runner.invoke(app, ["adopted", "2026/01/none", "--by", "某刊物", "--level", "市级", "--content", str(root)])
    assert missing.exit_code == 2 and "找不到稿件或报送“2026/01/none”" in missing.output
    early = runner.invoke(app, ["adopted", "2026-004", "--by", "某刊物", "--level", "省级", "--date", "2026-01-05",
                                "--content", str(root)])  # fmt: skip
    assert early.exit_code == 2 and "早于报送日期 2026-06-10" in early.output

    annual = runner.invoke(app, ["report", "--year", "2026", "--content", str(root), "--now", "2026-12-20 10:00"])
    assert annual.exit_code == 0, annual.output
    assert "# 2026 年信息报送年度考核情况" in annual.output and "## 目标完成情况" in annual.output
    both = runner.invoke(app, ["report", "--year", "2026", "-q", "2026Q1", "--content", str(root)])
    assert both.exit_code == 2 and "只能选一个" in both.output
    ledger.close()


def test_submission_decisions_follow_their_states(tmp_path, monkeypatch):
    ledger, matrix, root, url = year_workspace(tmp_path)
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    shown = runner.invoke(app, ["submission", "list", "--state", "退回修改", "--content", str(root)])
    assert shown.exit_code == 0 and "2026-005" in shown.output and "2026-001" not in shown.output
    again = runner.invoke(app, ["submission", "resubmit", "2026-005", "--content", str(root)])
    assert again.exit_code == 0 and "已改为“报送”" in again.output
    wrong = runner.invoke(app, ["submission", "resubmit", "2026-005", "--content", str(root)])
    assert wrong.exit_code == 2 and "当前为“报送”，不能改为“报送”" in wrong.output
    assert [e.event for e in ledger.history() if e.detail.get("submission") == "2026-005"] == [
        "submission-received", "submission-returned", "submission-submitted",
    ]
    ledger.close()
