"""The quarterly report (信息报送情况通报) and the annual one (年度考核): per department what was
submitted and adopted — on which channel, at which level — its reach, score, rank and tier,
progress against its targets, and the figures of each 信息员.

Every figure is defined once, in `publisher.office.reports.figures` (docs/reports.md explains
them to editors); this module only groups the ledger's history and ranks the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from channels.registry import channel_class
from publisher.content.matrix import LOCAL_LEVEL, Matrix
from publisher.ledger import Ledger
from publisher.office.reports.figures import (
    NO_DEPARTMENT,
    Entry,
    Figures,
    grouped_figures,
    total_of,
)
from publisher.office.reports.history import collect_entries
from publisher.office.reports.quarter import Quarter, Year
from publisher.office.reports.targets import TargetRow, target_rows

__all__ = ["NO_DEPARTMENT", "DepartmentRow", "QuarterlyReport", "ReporterRow", "build_annual_report",
           "build_quarterly_report"]  # fmt: skip


@dataclass
class DepartmentRow(Figures):
    department: str = ""
    rank: int = 0
    tier: str = ""


@dataclass
class ReporterRow(Figures):
    reporter: str = ""
    department: str = ""


@dataclass
class QuarterlyReport:
    quarter: Quarter | Year  # the period: a quarter, or a year for the annual 考核
    timezone: str
    generated_at: datetime
    channels: list[str]  # channel names with adoptions or accounts, in display order
    channel_titles: dict[str, str]
    accounts: list[tuple[str, str, str]]  # (account id, name, channel)
    rows: list[DepartmentRow]  # ranked
    total: DepartmentRow
    points: dict[str, float]  # channel → points, as applied
    account_points: dict[str, float]
    tiers: list[tuple[float, str]]
    levels: list[str] = field(default_factory=list)  # adoption levels shown, 本级 first
    level_points: dict[str, float] = field(default_factory=dict)
    targets: list[TargetRow] = field(default_factory=list)
    reporters: list[ReporterRow] = field(default_factory=list)

    @property
    def annual(self) -> bool:
        return isinstance(self.quarter, Year)

    @property
    def title(self) -> str:
        kind = "信息报送年度考核情况" if self.annual else "信息报送情况通报"
        return f"{self.quarter.label}{kind}"


def build_quarterly_report(
    ledger: Ledger,
    matrix: Matrix,
    quarter: Quarter | Year,
    *,
    department: str | None = None,
    now: datetime | None = None,
) -> QuarterlyReport:
    """Count the period from the ledger. `department` keeps one row (ranked among all)."""
    tz, rules = matrix.tz, matrix.report
    moment = (now or datetime.now(tz)).astimezone(tz)
    entries = collect_entries(ledger, matrix)
    start, end = quarter.start(tz), quarter.end(tz)
    reach = ledger.latest_reach([e.publication_id for x in entries for e in x.events if e.publication_id])
    groups = grouped_figures(entries, start, end, reach)
    for name in rules.targets:  # a department with a target is shown even with nothing done
        groups.setdefault(name, Figures())

    targets = target_rows(entries, rules, quarter, tz, moment)
    met = {t.department: t.met for t in targets}
    annual = isinstance(quarter, Year)
    rows = []
    for name, figures in groups.items():
        row = DepartmentRow(**vars(figures), department=name)
        row.tier = (rules.annual_tier_for(row.score, targets_met=met.get(name, True)) if annual
                    else rules.tier_for(row.score))  # fmt: skip
        rows.append(row)
    ranked = _rank(rows)
    shown = [r for r in ranked if department is None or r.department == department]
    used = {c for r in ranked for c in r.by_channel} | {a.channel for a in matrix.accounts}
    channels = sorted(used, key=_channel_order)
    seen_levels = {lv for r in ranked for lv in r.by_level}
    levels = [lv for lv in rules.levels if lv != LOCAL_LEVEL or LOCAL_LEVEL in seen_levels]
    levels += sorted(seen_levels - set(levels))  # a level imported before it was configured
    tiers = rules.annual_tiers if annual and rules.annual_tiers else rules.tiers
    return QuarterlyReport(
        quarter=quarter,
        timezone=matrix.timezone,
        generated_at=moment,
        channels=channels,
        channel_titles={c: _channel_title(c) for c in channels},
        accounts=[(a.id, a.name, a.channel) for a in matrix.accounts],
        rows=shown,
        total=_total(shown),
        points={c: rules.points.get(c, rules.default_points) for c in channels},
        account_points=dict(rules.account_points),
        tiers=sorted(((t.min_points, t.label) for t in tiers), reverse=True),
        levels=levels,
        level_points={lv: rules.level_points(lv) for lv in levels},
        targets=[t for t in targets if department is None or t.department == department],
        reporters=_reporters(entries, start, end, reach, department),
    )


def build_annual_report(ledger: Ledger, matrix: Matrix, year: int, *, now: datetime | None = None,
                        department: str | None = None) -> QuarterlyReport:  # fmt: skip
    """The year's 考核: the same figures over the year, annual tiers (`annual_tiers`, which may
    require the targets met), the year's targets."""
    return build_quarterly_report(ledger, matrix, Year(year), department=department, now=now)


def _reporters(entries: list[Entry], start, end, reach, department: str | None) -> list[ReporterRow]:
    groups = grouped_figures(entries, start, end, reach, key=lambda e: f"{e.reporter}\x00{e.department}")
    rows = []
    for key, figures in groups.items():
        reporter, dept = key.split("\x00")
        if department is None or dept == department:
            rows.append(ReporterRow(**vars(figures), reporter=reporter, department=dept))
    rows.sort(key=lambda r: (-r.score, -r.adopted, -r.submitted, r.department, r.reporter))
    return rows


def _rank(rows: list[DepartmentRow]) -> list[DepartmentRow]:
    rows.sort(key=lambda r: (-r.score, -r.adopted, -r.submitted, r.department))
    for position, row in enumerate(rows, start=1):
        previous = rows[position - 2] if position > 1 else None
        row.rank = previous.rank if previous and previous.score == row.score else position
    return rows


def _total(rows: list[DepartmentRow]) -> DepartmentRow:
    total = DepartmentRow(department="合计")
    total.absorb(total_of(rows))
    return total


def _channel_order(name: str) -> tuple[int, str]:
    """Columns in the order the channels ask for (`Channel.report_order`), unknown ones last."""
    cls = channel_class(name)
    return (cls.report_order if cls is not None else 1000, name)


def _channel_title(name: str) -> str:
    cls = channel_class(name)
    return getattr(cls, "title", name) if cls else name
