"""The report as one table (headings in Chinese): every format renders these same cells."""

from __future__ import annotations

from dataclasses import dataclass

from publisher.office.reports.quarterly import DepartmentRow, QuarterlyReport

Cell = str | int | float | None


@dataclass(frozen=True)
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    total: list[Cell]
    notes: list[str]


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def points_text(value: float) -> str:
    return f"{value:g}"


def report_table(report: QuarterlyReport) -> ReportTable:
    channel_heads = [f"{report.channel_titles[c]}采用" for c in report.channels]
    headers = [
        "排名", "报送单位", "报送条数", "采用条数", "采用率", *channel_heads,
        "阅读量", "转发量", "点赞量", "评论量", "积分", "档次",
    ]  # fmt: skip

    def cells(row: DepartmentRow, rank: Cell) -> list[Cell]:
        return [
            rank, row.department, row.submitted, row.adopted, rate_text(row.adoption_rate),
            *[row.by_channel.get(c, 0) for c in report.channels],
            row.reach.reads, row.reach.shares, row.reach.likes, row.reach.comments,
            row.score, row.tier or "—",
        ]  # fmt: skip

    return ReportTable(
        title=f"{report.quarter.label}信息报送情况通报",
        headers=headers,
        rows=[cells(r, r.rank) for r in report.rows],
        total=cells(report.total, None)[:-1] + [""],
        notes=rule_notes(report),
    )


def rule_notes(report: QuarterlyReport) -> list[str]:
    """How the numbers were counted, in the editors' words (printed under every report)."""
    start = report.quarter.start(report.generated_at.tzinfo).date()
    end = report.quarter.end(report.generated_at.tzinfo).date()
    points = "，".join(f"{report.channel_titles[c]} {points_text(p)} 分" for c, p in report.points.items())
    notes = [
        f"统计区间：{start} 至 {end}（不含），时区 {report.timezone}；"
        f"生成时间 {report.generated_at:%Y-%m-%d %H:%M}。",
        "报送条数：发布时间在本季度内、非草稿的稿件（以最新版本的报送单位计）。",
        "采用条数：本季度内在至少一个渠道发布成功的稿件（已撤稿的不计）；各渠道采用数分别统计。",
        f"积分：每条稿件在每个账号采用一次计分，{points}。",
        "传播数据：各渠道最近一次读取的阅读、转发、点赞、评论数之和（不提供阅读数的渠道不计阅读）。",
    ]
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
    return notes
