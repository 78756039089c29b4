"""A constructed year (2026) of submissions and adoptions at three levels, with targets and
tiers, built through the ledger's public API. Shared by the year report, CLI and import tests.

    S1 办公室   张三 经验做法 submitted 03-20; 采用 decided 04-02 (item 2026/04/s1, on wx-main 04-03);
                                   省级 04-10 (经验做法 省级 = 8 points)
    S2 办公室   张三 动态     submitted 05-06; 国家级 05-20 (no item)                      10
    S3 数据资源处 李四 问题建议 submitted 06-01; 未采用
    S4 数据资源处 李四 动态     submitted 06-10; 市级 07-05 (adopted in Q3, submitted in Q2)   3
    S5 宣传科   王五 舆情     submitted 08-01; 退回修改
    item 2026/05/a  办公室     publish 05-10, on wb-main 05-10 (weibo 1)
    item 2026/11/b  数据资源处  publish 11-02, on portal 11-02 (site 1); 市级 11-20 (3)

Q2: 办公室 submitted 2 (S2, a), adopted 3 (S1 from Q1, S2, a), rate 100 %, 省级 1 国家级 1,
    score 3 + 8 + 10 + 1 = 22; 数据资源处 submitted 2, adopted 0, rate 0 %.
Year: 办公室 3/3 score 22 (submitted target 4 not met → 二档, not 一档); 数据资源处 3/2 score 7
    (targets met → 三档); 宣传科 1/0 score 0 (behind on both).
"""

from __future__ import annotations

from pathlib import Path

from publisher.ledger import Ledger
from publisher.ledger.submissions import NewAdoption, NewSubmission
from tests.reports.history import History, at

MATRIX = """\
timezone = "Asia/Shanghai"

[[accounts]]
id = "wx-main"
name = "测试公众号"
channel = "wechat"

[[accounts]]
id = "wb-main"
name = "测试微博"
channel = "weibo"

[[accounts]]
id = "portal"
name = "门户网站"
channel = "site"

[report]
points = { wechat = 3, weibo = 1, site = 1 }
levels = { "本级" = 1, "市级" = 3, "省级" = 5, "国家级" = 10 }
type_points = { "经验做法" = { "省级" = 8 } }
tiers = [
  { min_points = 10, label = "一档" },
  { min_points = 1, label = "二档" },
]
annual_tiers = [
  { min_points = 20, label = "一档", targets_met = true },
  { min_points = 10, label = "二档" },
  { min_points = 5, label = "三档" },
]

[report.targets."办公室"]
submitted = 4
adopted = 3
quarter_submitted = 2

[report.targets."数据资源处"]
submitted = 3
adopted = 2

[report.targets."宣传科"]
submitted = 2
adopted = 1

[review]
verify = "none"
"""


def write_year_matrix(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(MATRIX, encoding="utf-8")
    return root


def sub(key, department, reporter, info_type, when, title=None) -> NewSubmission:
    return NewSubmission(key=key, title=title or f"报送 {key}", department=department, reporter=reporter,
                         info_type=info_type, submitted_at=when)  # fmt: skip


def build_year(ledger: Ledger) -> History:
    h = History(ledger)
    ledger.add_submission(sub("2026-001", "办公室", "张三", "经验做法", at(3, 20)), now=at(3, 20))
    ledger.decide_submission("2026-001", "adopted", item_id="2026/04/s1", now=at(4, 2))
    h.item("2026/04/s1", "办公室", at(4, 3))
    h.target("2026/04/s1", "wechat", "wx-main", at(4, 3))
    ledger.record_adoption(NewAdoption("省级", "省政府办公厅《政务信息》", at(4, 10), item_id="2026/04/s1",
                                       url="https://gov.example/zwxx/1"), now=at(4, 10))  # fmt: skip
    ledger.add_submission(sub("2026-002", "办公室", "张三", "动态", at(5, 6)), now=at(5, 6))
    h.item("2026/05/a", "办公室", at(5, 10))
    h.target("2026/05/a", "weibo", "wb-main", at(5, 10))
    ledger.record_adoption(NewAdoption("国家级", "国务院办公厅《政务信息》", at(5, 20), submission_key="2026-002"),
                           now=at(5, 20))  # fmt: skip
    ledger.add_submission(sub("2026-003", "数据资源处", "李四", "问题建议", at(6, 1)), now=at(6, 1))
    ledger.decide_submission("2026-003", "declined", note="不符合要求", now=at(6, 3))
    ledger.add_submission(sub("2026-004", "数据资源处", "李四", "动态", at(6, 10)), now=at(6, 10))
    ledger.record_adoption(NewAdoption("市级", "市政府办公室《每日要情》", at(7, 5), submission_key="2026-004"),
                           now=at(7, 5))  # fmt: skip
    ledger.add_submission(sub("2026-005", "宣传科", "王五", "舆情", at(8, 1)), now=at(8, 1))
    ledger.decide_submission("2026-005", "returned", note="请补充数据", now=at(8, 2))
    h.item("2026/11/b", "数据资源处", at(11, 2))
    h.target("2026/11/b", "site", "portal", at(11, 2))
    ledger.record_adoption(NewAdoption("市级", "市政府办公室《每日要情》", at(11, 20), item_id="2026/11/b"),
                           now=at(11, 20))  # fmt: skip
    return h


def year_workspace(folder: Path):
    from publisher.content.matrix import load_matrix
    from publisher.ledger import open_ledger

    root = write_year_matrix(folder / "content")
    url = f"sqlite:///{folder / 'ledger.sqlite3'}"
    ledger = open_ledger(url)
    build_year(ledger)
    return ledger, load_matrix(root), root, url
