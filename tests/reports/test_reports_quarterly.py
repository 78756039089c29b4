"""The quarterly report from a ledger with a known history: exact counts, reach, scores, ranks,
tiers, and the same numbers in every output format (Markdown, CSV, Excel, HTML, the CLI)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.matrix import RewardTier
from publisher.office.reports import Quarter, build_quarterly_report, render_report
from publisher.office.reports.html import render_html
from tests.reports.history import NOW, TZ, history_workspace

Q4 = Quarter(2026, 4)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ledger, matrix, history, root, url = history_workspace(tmp_path_factory.mktemp("report"))
    yield ledger, matrix, history, root, url
    ledger.close()


@pytest.fixture(scope="module")
def report(workspace):
    ledger, matrix, *_ = workspace
    return build_quarterly_report(ledger, matrix, Q4, now=NOW)


def summary(row):
    r = row.reach
    return (row.rank, row.department, row.submitted, row.adopted, dict(row.by_channel),
            (r.reads, r.shares, r.likes, r.comments), row.score, row.tier)  # fmt: skip


def test_every_department_row_is_exact(report):
    assert [summary(r) for r in report.rows] == [
        (1, "办公室", 4, 3, {"wechat": 3, "weibo": 1, "site": 2}, (2100, 57, 40, 5), 11, "一档"),
        (2, "数据资源处", 4, 3, {"wechat": 1, "weibo": 2, "site": 1}, (900, 30, 18, 3), 6, "二档"),
        (3, "信息化处", 1, 1, {"site": 1}, (0, 0, 0, 0), 1, "三档"),
        (3, "宣传科", 1, 1, {"weibo": 1}, (0, 1, 5, 0), 1, "三档"),
        (5, "区数据局", 1, 0, {}, (0, 0, 0, 0), 0, ""),
    ]


def test_accounts_rates_and_total(report):
    office = report.rows[0]
    # a1 on wx-main twice (planned + republished) is one adoption on that account.
    assert office.by_account == {"wx-main": 2, "wb-main": 1, "portal": 2, "wx-unit": 1}
    assert office.adoption_rate == pytest.approx(0.75)
    assert report.rows[-1].adoption_rate == 0.0
    total = report.total
    assert (total.submitted, total.adopted, total.by_channel) == (11, 8, {"wechat": 4, "weibo": 4, "site": 4})
    assert (total.reach.reads, total.reach.shares, total.reach.likes, total.reach.comments) == (3000, 88, 63, 8)
    assert total.score == 19
    assert report.channels == ["wechat", "weibo", "site"]
    assert report.channel_titles == {"wechat": "微信公众号", "weibo": "微博", "site": "门户网站"}


def test_another_quarter_counts_only_its_own(workspace):
    ledger, matrix, *_ = workspace
    q3 = build_quarterly_report(ledger, matrix, Quarter(2026, 3), now=NOW)
    assert [summary(r) for r in q3.rows] == [(1, "信息化处", 1, 1, {"wechat": 1}, (0, 0, 0, 0), 3, "三档")]
    q1 = build_quarterly_report(ledger, matrix, Quarter(2027, 1), now=NOW)
    assert q1.rows == [] and q1.total.submitted == 0


def test_department_filter_keeps_the_overall_rank(workspace):
    ledger, matrix, *_ = workspace
    only = build_quarterly_report(ledger, matrix, Q4, department="宣传科", now=NOW)
    assert [summary(r) for r in only.rows] == [(3, "宣传科", 1, 1, {"weibo": 1}, (0, 1, 5, 0), 1, "三档")]
    assert only.total.score == 1


def test_quarters_parse_and_bound_in_the_office_timezone():
    assert Quarter.parse("2026Q4") == Quarter.parse("2026-q4") == Q4
    assert Q4.start(TZ).isoformat() == "2026-10-01T00:00:00+08:00"
    assert Q4.end(TZ).isoformat() == "2027-01-01T00:00:00+08:00"
    assert Q4.label == "2026 年第四季度" and Quarter(2027, 1).previous() == Q4
    assert Quarter.containing(NOW, TZ) == Q4
    with pytest.raises(ValueError, match="2026Q4"):
        Quarter.parse("2026Q5")


def test_points_and_tiers_rules(workspace):
    _, matrix, *_ = workspace
    rules = matrix.report
    assert rules.points_for("wechat", "wx-unit") == 2  # the account's own points win
    assert rules.points_for("wechat", "wx-main") == 3
    assert rules.points_for("douyin", "dy-1") == 1  # default_points
    assert [rules.tier_for(s) for s in (0, 0.5, 1, 4.99, 5, 10, 99)] == ["", "", "三档", "三档", "二档", "一档", "一档"]
    with pytest.raises(ValueError):
        RewardTier(min_points=-1, label="x")


def test_markdown_has_the_exact_table(report):
    text = render_report(report, "md").decode()
    assert text.startswith("# 2026 年第四季度信息报送情况通报\n")
    assert ("| 排名 | 报送单位 | 报送条数 | 采用条数 | 其中往期报送 | 采用率 | 微信公众号采用 | 微博采用 | 门户网站采用 "
            "| 市级采用 | 省级采用 | 国家级采用 | 媒体采用 | 上级采用 | 阅读量 | 转发量 | 点赞量 | 评论量 | 积分 | 档次 |") in text
    assert "| 1 | 办公室 | 4 | 3 | 0 | 75.0% | 3 | 1 | 2 | 0 | 0 | 0 | 0 | 0 | 2100 | 57 | 40 | 5 | 11 | 一档 |" in text
    assert "| 5 | 区数据局 | 1 | 0 | 0 | 0.0% | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | — |" in text
    assert "|  | 合计 | 11 | 8 | 0 | 72.7% | 4 | 4 | 4 | 0 | 0 | 0 | 0 | 0 | 3000 | 88 | 63 | 8 | 19 |  |" in text
    assert "分档：一档 ≥ 10 分；二档 ≥ 5 分；三档 ≥ 1 分" in text


def test_csv_reads_back_with_the_same_numbers(report):
    data = render_report(report, "csv")
    assert data.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["排名", "报送单位", "报送条数", "采用条数"]
    assert rows[2] == ["2", "数据资源处", "4", "3", "0", "75.0%", "1", "2", "1", "0", "0", "0", "0", "0",
                       "900", "30", "18", "3", "6", "二档"]
    assert rows[-1][1] == "合计" and rows[-1][-2] == "19"


def test_xlsx_keeps_numbers_as_numbers(report, tmp_path):
    path = tmp_path / "通报.xlsx"
    path.write_bytes(render_report(report, "xlsx"))
    book = load_workbook(path)
    assert book.sheetnames == ["通报", "账号采用", "信息员报送情况", "统计口径"]
    sheet = book["通报"]
    assert sheet["A1"].value == "2026 年第四季度信息报送情况通报"
    assert [c.value for c in sheet[3]] == [1, "办公室", 4, 3, 0, "75.0%", 3, 1, 2, 0, 0, 0, 0, 0, 2100, 57, 40, 5, 11, "一档"]
    assert sheet.cell(row=8, column=2).value == "合计" and sheet.cell(row=8, column=19).value == 19
    accounts = book["账号采用"]
    assert [c.value for c in accounts[2]] == ["办公室", 2, 1, 1, 2]  # wx-main, wx-unit, wb-main, portal


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.tags: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.ids += [v for k, v in attrs if k == "id"]
        self.refs += [v for k, v in attrs if k in ("href", "src", "xlink:href")]


def test_html_is_self_contained_with_three_inline_charts(report):
    html = render_report(report, "html").decode()
    parser = _Ids()
    parser.feed(html)
    assert "script" not in parser.tags and "<script" not in html
    assert html.count("<svg ") == 3 and 'id="chart-adoption"' in html
    assert len(parser.ids) == len(set(parser.ids)), "element ids must be unique across the charts"
    assert "default-src 'none'" in unescape(html)  # the CSP meta tag
    assert parser.refs and all(r.startswith("#") for r in parser.refs), "nothing may be fetched"
    assert re.search(r"<td>1</td><td class=\"name\">办公室</td><td>4</td><td>3</td><td>0</td><td>75.0%</td>", html)


def test_hostile_department_names_stay_text(tmp_path):
    from publisher.content.matrix import load_matrix
    from publisher.ledger import open_ledger
    from tests.reports.history import History, at, write_matrix

    root = write_matrix(tmp_path / "content")
    with open_ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as ledger:
        h = History(ledger)
        h.item("2026/10/x", "<b>处</b>", at(10, 2))
        h.target("2026/10/x", "site", "portal", at(10, 2))
        h.item("2026/10/y", "=HYPERLINK(\"http://x\")", at(10, 3))
        h.target("2026/10/y", "site", "portal", at(10, 3))
        bad = build_quarterly_report(ledger, load_matrix(root), Q4, now=NOW)
    html = render_html(bad, charts=False)
    assert "&lt;b&gt;处&lt;/b&gt;" in html and "<b>处</b>" not in html
    rows = list(csv.reader(io.StringIO(render_report(bad, "csv").decode("utf-8-sig"))))
    assert "'=HYPERLINK(\"http://x\")" in [r[1] for r in rows]


def test_cli_writes_every_format(workspace, tmp_path, monkeypatch):
    _, _, _, root, url = workspace
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    shown = runner.invoke(app, ["report", "--quarter", "2026Q4", "--content", str(root), "--now", "2026-12-20 10:00"])
    assert shown.exit_code == 0, shown.output
    assert "| 2 | 数据资源处 | 4 | 3 | 0 | 75.0% |" in shown.output
    out = tmp_path / "q4.xlsx"
    written = runner.invoke(app, ["report", "-q", "2026Q4", "-f", "xlsx", "-o", str(out), "--content", str(root)])
    assert written.exit_code == 0, written.output
    assert load_workbook(out)["通报"]["B3"].value == "办公室"
    one = runner.invoke(app, ["report", "-q", "2026Q4", "-d", "宣传科", "-f", "csv", "--content", str(root)])
    assert one.exit_code == 0 and "宣传科" in one.output and "办公室" not in one.output
    # html / xlsx without --out: a file in the current folder, and the command says where.
    monkeypatch.chdir(tmp_path)
    for fmt in ("xlsx", "html"):
        default = runner.invoke(app, ["report", "-q", "2026Q4", "-f", fmt, "--content", str(root)], terminal_width=80)
        assert default.exit_code == 0, default.output
        path = tmp_path / f"信息报送通报-2026Q4.{fmt}"
        assert path.is_file() and f"已生成 2026 年第四季度通报：{path}" in default.output.replace("\n", "")
        assert "<html" not in default.output and "PK" not in default.output[:4]
    assert load_workbook(tmp_path / "信息报送通报-2026Q4.xlsx")["通报"]["B3"].value == "办公室"
    piped = runner.invoke(app, ["report", "-q", "2026Q4", "-f", "html", "-o", "-", "--content", str(root)])
    assert piped.exit_code == 0 and "<html" in piped.output
    wrong = runner.invoke(app, ["report", "-q", "2026Q9", "--content", str(root)])
    assert wrong.exit_code == 2 and "2026Q4" in wrong.output


def test_export_cli_csv_and_json(workspace, tmp_path, monkeypatch):
    import json

    _, _, history, root, url = workspace
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    out = tmp_path / "pubs.csv"
    assert runner.invoke(app, ["export", "--content", str(root), "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(history.pubs) == 19
    a1 = next(r for r in rows if r["编号"] == str(history.pubs[("2026/10/a1", "wx-main")]))
    assert (a1["报送单位"], a1["状态"], a1["阅读量"], a1["转发量"], a1["点赞量"]) == ("办公室", "已发布", "1200", "30", "")
    assert a1["发布时间"] == "2026-10-10T09:00:00+08:00"
    shown = runner.invoke(app, ["export", "--content", str(root), "--format", "json", "--history"])
    assert shown.exit_code == 0
    records = {r["id"]: r for r in json.loads(shown.output)["publications"]}
    history_a1 = records[history.pubs[("2026/10/a1", "wx-main")]]["reach_history"]
    assert [(h["reads"], h["shares"]) for h in history_a1] == [(800, 20), (1200, 30)]
