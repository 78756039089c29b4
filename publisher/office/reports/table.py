"""The report as tables (headings in Chinese): every format renders these same cells.

The main table (one row per department, then 合计) is in every format; the targets table
(目标完成情况) and the 信息员 table follow it in Markdown, HTML and Excel.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher.content.matrix import LOCAL_LEVEL
from publisher.office.reports.quarterly import DepartmentRow, QuarterlyReport, ReporterRow
from publisher.office.reports.targets import TargetRow

Cell = str | int | float | None


@dataclass(frozen=True)
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    total: list[Cell]
    notes: list[str]


@dataclass(frozen=True)
class SideTable:
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def points_text(value: float) -> str:
    return f"{value:g}"


def level_head(level: str) -> str:
    return f"{level}采用"


def report_table(report: QuarterlyReport) -> ReportTable:
    channel_heads = [f"{report.channel_titles[c]}采用" for c in report.channels]
    upper = [lv for lv in report.levels if lv != LOCAL_LEVEL]
    level_heads = [level_head(lv) for lv in report.levels]
    headers = [
        "排名", "报送单位", "报送条数", "采用条数", "其中往期报送", "采用率", *channel_heads, *level_heads,
        "上级采用", "阅读量", "转发量", "点赞量", "评论量", "积分", "档次",
    ]  # fmt: skip

    def cells(row: DepartmentRow, rank: Cell) -> list[Cell]:
        return [
            rank, row.department, row.submitted, row.adopted, row.adopted_earlier, rate_text(row.adoption_rate),
            *[row.by_channel.get(c, 0) for c in report.channels],
            *[row.by_level.get(lv, 0) for lv in report.levels],
            sum(row.by_level.get(lv, 0) for lv in upper),
            row.reach.reads, row.reach.shares, row.reach.likes, row.reach.comments,
            row.score, row.tier or "—",
        ]  # fmt: skip

    return ReportTable(
        title=report.title,
        headers=headers,
        rows=[cells(r, r.rank) for r in report.rows],
        total=cells(report.total, None)[:-1] + [""],
        notes=rule_notes(report),
    )


def target_table(report: QuarterlyReport) -> SideTable | None:
    if not report.targets:
        return None
    scopes = [("年度", "报送"), ("年度", "采用")]
    if not report.annual:
        scopes += [("季度", "报送"), ("季度", "采用")]
    used = [(s, w) for s, w in scopes if any(t.goal(w, s) for t in report.targets)]
    headers = ["报送单位"]
    for scope, what in used:
        headers += [f"{scope}{what}目标", f"{'累计' if scope == '年度' else '本季度'}{what}", "完成率", "超额"]
    headers.append("完成情况")

    def cells(row: TargetRow) -> list[Cell]:
        out: list[Cell] = [row.department]
        for scope, what in used:
            goal = row.goal(what, scope)
            out += [None, None, "—", None] if goal is None else [goal.target, goal.done, rate_text(goal.rate), goal.surplus]
        return [*out, row.status]

    return SideTable("目标完成情况", headers, [cells(t) for t in report.targets])


def reporter_table(report: QuarterlyReport) -> SideTable | None:
    if not report.reporters:
        return None
    headers = ["信息员", "报送单位", "报送条数", "采用条数", "上级采用", "积分"]

    def cells(row: ReporterRow) -> list[Cell]:
        return [row.reporter, row.department, row.submitted, row.adopted, row.upper, row.score]

    return SideTable("信息员报送情况", headers, [cells(r) for r in report.reporters])


def side_tables(report: QuarterlyReport) -> list[SideTable]:
    return [t for t in (target_table(report), reporter_table(report)) if t is not None]


def rule_notes(report: QuarterlyReport) -> list[str]:
    """How the numbers were counted, in the editors' words (printed under every report)."""
    start = report.quarter.start(report.generated_at.tzinfo).date()
    end = report.quarter.end(report.generated_at.tzinfo).date()
    points = "，".join(f"{report.channel_titles[c]} {points_text(p)} 分" for c, p in report.points.items())
    period = "本年度" if report.annual else "本季度"
    notes = [
        f"统计区间：{start} 至 {end}（不含），时区 {report.timezone}；"
        f"生成时间 {report.generated_at:%Y-%m-%d %H:%M}。",
        f"报送条数：报送日期在{period}内的报送（各单位交来的稿件，及内容库中非草稿的稿件，以发布时间为报送日期）。",
        f"采用条数：首次被采用（本级采用、在本单位任一渠道发布或被上级采用，以最早者计）在{period}内的报送；"
        "其中往期报送为此前报送、本期才采用的条数。",
        f"采用率：{period}报送且在{period}内采用的条数 ÷ 报送条数。",
        "各渠道采用：在该渠道首次发布在本期内的条数（已撤稿的不计）；各级采用：采用记录日期在本期内的条数；"
        "上级采用为本级以外各级之和。",
        f"积分：每条稿件在每个账号首次发布计一次分，{points}；每条采用记录按级别计分"
        + ("（" + "，".join(f"{lv} {points_text(p)} 分" for lv, p in report.level_points.items()) + "）"
           if report.level_points else "") + "。",
        "传播数据：本期内各次发布最近一次读取的阅读、转发、点赞、评论数之和（不提供阅读数的渠道不计阅读）。",
    ]  # fmt: skip
    if report.account_points:
        notes.append(
            "账号单独计分："
            + "，".join(f"{a} {points_text(p)} 分" for a, p in sorted(report.account_points.items()))
            + "。"
        )
    if report.tiers:
        notes.append(
            "分档："
            + "；".join(f"{label} ≥ {points_text(m)} 分" for m, label in report.tiers)
            + "；排名按积分，积分相同名次并列。"
        )
    if report.targets:
        notes.append("目标完成率：自当年 1 月 1 日至本期末的累计数 ÷ 年度目标；落后的单位列出差额和剩余天数。")
    return notes
