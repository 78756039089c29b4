"""A ledger with a known quarter (2026Q4), built through the ledger's public API, and a built
site folder with known problems. Shared by the report, inspection and dashboard tests.

Departments and what the numbers must come out as (scores: wechat 3, weibo 1, site 1, the
account wx-unit 2; tiers 一档 ≥ 10, 二档 ≥ 5, 三档 ≥ 1):

    办公室     submitted 4 (a1 a2 a3 a4)     adopted 3   wechat 3 weibo 1 site 2   score 11  一档
    数据资源处  submitted 4 (b1 b2 b3 b4)     adopted 3   wechat 1 weibo 2 site 1   score 6   二档
    信息化处    submitted 1 (c1; c0 is Q3, c2 a draft) adopted 1   site 1 (weibo retracted)  score 1  三档
    宣传科     submitted 1 (e1)             adopted 1   weibo 1                  score 1   三档
    区数据局    submitted 1 (d1, blocked)     adopted 0                            score 0   —

a1 is also republished by hand on wx-main (no extra adoption, no extra score, extra reach);
a2's first version said 数据资源处 and its newest says 办公室.

Accounts at NOW (2026-12-20 10:00): wx-main last published 12-05 10:00 (15 days: 僵尸号),
wx-unit 12-08 10:00 (12 days: warning), wb-main 12-18 (fine); portal is the website.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.ledger import Ledger

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=TZ)

MATRIX = """\
timezone = "Asia/Shanghai"
default_column = "news"

[site]
title = "测试门户"
base_url = "https://www.example.gov.cn"

[[columns]]
id = "news"
name = "工作动态"
kind = "news"

[[columns]]
id = "notice"
name = "通知公告"
kind = "notice"

[[columns]]
id = "policy"
name = "政策解读"
kind = "policy"

[[columns]]
id = "special"
name = "专题专栏"
kind = "other"

[[accounts]]
id = "wx-main"
name = "测试公众号"
channel = "wechat"

[[accounts]]
id = "wx-unit"
name = "下属单位公众号"
channel = "wechat"
default = false

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
account_points = { wx-unit = 2 }
tiers = [
  { min_points = 10, label = "一档" },
  { min_points = 5, label = "二档" },
  { min_points = 1, label = "三档" },
]

[review]
verify = "none"  # a plain folder: sign-offs as written
"""


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def write_matrix(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(MATRIX, encoding="utf-8")
    return root


class History:
    """Builds rows the way the planner and the executors would, at the given times."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.versions: dict[str, int] = {}
        self.pubs: dict[tuple[str, str], int] = {}

    def item(self, item_id: str, department: str, publish_at: datetime, *, draft=False, rev="1") -> int:
        vid = self.ledger.upsert_item_version(
            item_id, f"hash-{item_id}-{rev}", f"标题 {item_id}", department=department,
            publish_at=publish_at, draft=draft, now=publish_at - timedelta(days=2),
        )  # fmt: skip
        self.versions[item_id] = vid
        return vid

    def target(self, item_id: str, channel: str, account: str, when: datetime, outcome: str = "published",
               *, manual: bool = False, reach: list[dict] | None = None) -> int:  # fmt: skip
        vid = self.versions[item_id]
        rendition = f"r-{item_id}-{account}"
        if manual:
            pub = self.ledger.create_manual(item_id, vid, channel, account, rendition, when, reason="重发", now=when)
        else:
            blocked = "缺少终审签发" if outcome == "blocked" else None
            pub, _ = self.ledger.upsert_publication(
                item_id, vid, channel, account, rendition, when, blocked, now=when - timedelta(days=1)
            )
        self.pubs[(item_id, account + ("#manual" if manual else ""))] = pub.id
        if outcome in ("scheduled", "blocked"):
            return pub.id
        claimed = self.ledger.claim_due(when, 0, 100, "test")
        assert [r.id for r in claimed] == [pub.id], "history must be built in time order"
        started = self.ledger.start(pub.id, "test", now=when)
        if outcome == "failed":
            self.ledger.finish_failed(pub.id, "48001", "公众号未授权该接口", attempt=started.attempts, now=when)
        elif outcome == "unconfirmed":
            self.ledger.mark_unconfirmed(pub.id, "timeout", "请求超时，结果未知", attempt=started.attempts, now=when)
        else:
            self.ledger.finish_published(pub.id, f"remote-{pub.id}", f"https://mp.example/{pub.id}",
                                         attempt=started.attempts, now=when)  # fmt: skip
            for n, figures in enumerate(reach or []):
                self.ledger.record_reach(pub.id, measured_at=when + timedelta(days=1 + n), **figures)
        if outcome == "retracted":
            self.ledger.start_retract(pub.id, "内容有误", now=when + timedelta(hours=2))
            self.ledger.finish_retract(pub.id, now=when + timedelta(hours=3))
        return pub.id


def build_history(ledger: Ledger) -> History:
    h = History(ledger)
    # Q3: not in the report (c0), but its publication is in the ledger.
    h.item("2026/09/c0", "信息化处", at(9, 28))
    h.target("2026/09/c0", "wechat", "wx-main", at(9, 28))

    h.item("2026/10/a1", "办公室", at(10, 10))
    h.target("2026/10/a1", "wechat", "wx-main", at(10, 10),
             reach=[{"reads": 800, "shares": 20}, {"reads": 1200, "shares": 30}])  # fmt: skip
    h.target("2026/10/a1", "weibo", "wb-main", at(10, 10, 9, 5), reach=[{"shares": 12, "likes": 40, "comments": 5}])
    h.target("2026/10/a1", "site", "portal", at(10, 10, 9, 10))

    h.item("2026/10/b1", "数据资源处", at(10, 15))
    h.target("2026/10/b1", "weibo", "wb-main", at(10, 15), reach=[{"shares": 3, "likes": 10, "comments": 2}])
    h.target("2026/10/b1", "site", "portal", at(10, 15, 9, 10))

    h.item("2026/10/e1", "宣传科", at(10, 20))
    h.target("2026/10/e1", "weibo", "wb-main", at(10, 20), reach=[{"shares": 1, "likes": 5, "comments": 0}])

    h.target("2026/10/a1", "wechat", "wx-main", at(11, 1), manual=True, reach=[{"reads": 100, "shares": 1}])

    h.item("2026/11/a2", "数据资源处", at(11, 5), rev="1")  # corrected below: the newest version counts
    h.item("2026/11/a2", "办公室", at(11, 5), rev="2")
    h.target("2026/11/a2", "wechat", "wx-main", at(11, 5), reach=[{"reads": 500, "shares": 10}])
    h.target("2026/11/a2", "site", "portal", at(11, 5, 9, 10))

    h.item("2026/11/c1", "信息化处", at(11, 11))
    h.target("2026/11/c1", "site", "portal", at(11, 11))
    h.target("2026/11/c1", "weibo", "wb-main", at(11, 11, 9, 5), "retracted", reach=[{"shares": 7, "likes": 9}])
    h.item("2026/11/c2", "信息化处", at(11, 12), draft=True)

    h.item("2026/11/d1", "区数据局", at(11, 15))
    h.target("2026/11/d1", "wechat", "wx-main", at(11, 15), "blocked")

    h.item("2026/12/a3", "办公室", at(12, 8))
    h.target("2026/12/a3", "wechat", "wx-unit", at(12, 8, 10), reach=[{"reads": 300, "shares": 4}])
    h.target("2026/12/a3", "weibo", "wb-main", at(12, 8, 10, 5), "failed")

    h.item("2026/12/a4", "办公室", at(12, 2))
    h.target("2026/12/a4", "wechat", "wx-main", at(12, 2), "unconfirmed")

    h.item("2026/12/b2", "数据资源处", at(12, 5, 10))
    h.target("2026/12/b2", "wechat", "wx-main", at(12, 5, 10), reach=[{"reads": 900, "shares": 25}])

    h.item("2026/12/b4", "数据资源处", at(12, 18))
    h.target("2026/12/b4", "weibo", "wb-main", at(12, 18), reach=[{"shares": 2, "likes": 8, "comments": 1}])

    h.item("2026/12/b3", "数据资源处", at(12, 25))
    h.target("2026/12/b3", "wechat", "wx-main", at(12, 25), "scheduled")
    return h


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="https://www.example.gov.cn{canonical}">
<link rel="stylesheet" href="{root}static/site.css"></head>
<body><nav><a href="{root}index.html">首页</a> <a href="{root}news/index.html">工作动态</a>
<a href="{root}notice/">通知公告</a> <a href="{root}policy/index.html">政策解读</a>
<a href="{root}special/index.html">专题专栏</a></nav>
<main id="top">{body}</main></body></html>
"""


def _entries(rows: list[tuple[str, str, datetime]]) -> str:
    items = "".join(
        f'<li><a class="entry-title" href="{href}">{title}</a>'
        f'<time datetime="{when.isoformat()}">{when:%Y-%m-%d}</time></li>'
        for href, title, when in rows
    )
    return f'<ul class="entries">{items}</ul>'


def write_page(site: Path, path: str, title: str, body: str) -> None:
    depth = path.count("/") - 1
    root = "../" * depth
    canonical = path[: -len("index.html")] if path.endswith("index.html") else path
    target = site / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(PAGE.format(title=title, canonical=canonical, root=root, body=body), encoding="utf-8")


def build_site_folder(site: Path) -> Path:
    """A built site: fresh home and news, a stale notice column (2026-05-01), a policy column
    within its six months, an empty special column, one article with a missing image and a
    broken link (and good ones beside them)."""
    recent, older = at(12, 18), at(12, 5, 10)
    write_page(site, "/index.html", "首页", _entries([
        ("news/2026/12/b4.html", "工作动态一", recent),
        ("notice/2026/05/n1.html", "通知一", at(5, 1)),
        ("policy/2026/09/p1.html", "解读一", at(9, 1)),
    ]))  # fmt: skip
    write_page(site, "/news/index.html", "工作动态", _entries([
        ("2026/12/b4.html", "工作动态一", recent), ("2026/12/b2.html", "工作动态二", older),
    ]))  # fmt: skip
    write_page(site, "/notice/index.html", "通知公告", _entries([("2026/05/n1.html", "通知一", at(5, 1))]))
    write_page(site, "/policy/index.html", "政策解读", _entries([("2026/09/p1.html", "解读一", at(9, 1))]))
    write_page(site, "/special/index.html", "专题专栏", '<p class="empty">本栏目暂无内容。</p>')
    write_page(site, "/news/2026/12/b4.html", "工作动态一", (
        '<article><h1>工作动态一</h1><img src="../../../media/ok.jpg" alt="现场">'
        '<img src="../../../media/gone.jpg" alt="缺失">'
        '<img src="../../../media/ok.jpg" srcset="../../../media/ok.jpg 1x, ../../../media/ok.jpg 2x" alt="">'
        '<a href="../../../missing.html">相关阅读</a> <a href="b2.html">上一篇</a>'
        '<a href="https://other.example.org/x">外部链接</a> <a href="mailto:office@example.gov.cn">邮件</a>'
        '<a href="#top">回到顶部</a> <a href="/news/2026/12/b2.html?from=x#part">绝对路径</a></article>'
    ))  # fmt: skip
    write_page(site, "/news/2026/12/b2.html", "工作动态二", "<article><h1>工作动态二</h1></article>")
    write_page(site, "/notice/2026/05/n1.html", "通知一", "<article><h1>通知一</h1></article>")
    write_page(site, "/policy/2026/09/p1.html", "解读一", "<article><h1>解读一</h1></article>")
    (site / "static").mkdir(parents=True, exist_ok=True)
    (site / "static" / "site.css").write_text("body{margin:0}", encoding="utf-8")
    (site / "media").mkdir(parents=True, exist_ok=True)
    (site / "media" / "ok.jpg").write_bytes(b"\xff\xd8\xff\xe0 not checked for content")
    return site


def history_workspace(folder: Path):
    """(ledger, matrix, history, content root, database url) in `folder`: a fresh SQLite ledger."""
    from publisher.content.matrix import load_matrix
    from publisher.ledger import open_ledger

    root = write_matrix(folder / "content")
    url = f"sqlite:///{folder / 'ledger.sqlite3'}"
    ledger = open_ledger(url)
    return ledger, load_matrix(root), build_history(ledger), root, url
