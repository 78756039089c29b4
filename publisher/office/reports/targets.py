"""Targets (目标考核): each department's counts against its yearly (and quarterly) targets.

Year-to-date figures run from 1 January to the end of the reported period, by the same
definitions as every other figure (`figures.py`). A department is *behind* while a target is
not reached; the report says by how many and how many days are left in the year (in the
quarter, for a quarterly target) at the moment the report is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from publisher.content.matrix import ReportRules
from publisher.office.reports.figures import Entry, Figures, grouped_figures
from publisher.office.reports.quarter import Quarter, Year


@dataclass(frozen=True)
class Goal:
    """One target and what was done against it."""

    what: str  # "报送" / "采用"
    scope: str  # "年度" / "季度"
    target: int
    done: int
    days_left: int

    @property
    def rate(self) -> float | None:
        return self.done / self.target if self.target else None

    @property
    def met(self) -> bool:
        return self.done >= self.target

    @property
    def surplus(self) -> int:
        """超额: done beyond the target."""
        return max(0, self.done - self.target)

    @property
    def short(self) -> int:
        return max(0, self.target - self.done)

    def behind_text(self) -> str:
        return f"{self.scope}{self.what}差 {self.short} 条（剩余 {self.days_left} 天）"


@dataclass(frozen=True)
class TargetRow:
    department: str
    goals: tuple[Goal, ...]

    def goal(self, what: str, scope: str = "年度") -> Goal | None:
        return next((g for g in self.goals if g.what == what and g.scope == scope), None)

    @property
    def met(self) -> bool:
        return all(g.met for g in self.goals)

    @property
    def status(self) -> str:
        if self.met:
            surplus = [f"{g.scope}{g.what}超额 {g.surplus} 条" for g in self.goals if g.surplus]
            return "已完成" + ("（" + "，".join(surplus) + "）" if surplus else "")
        return "落后：" + "；".join(g.behind_text() for g in self.goals if not g.met)


def _days_left(end: datetime, now: datetime) -> int:
    return max(0, (end - now).days) if now < end else 0


def target_rows(
    entries: list[Entry], rules: ReportRules, period: Quarter | Year, tz: tzinfo, now: datetime
) -> list[TargetRow]:
    if not rules.targets:
        return []
    year = period.year
    year_start, year_end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    to_date = grouped_figures(entries, year_start, period.end(tz))
    in_quarter = grouped_figures(entries, period.start(tz), period.end(tz)) if isinstance(period, Quarter) else {}
    rows = []
    for department, target in rules.targets.items():
        ytd = to_date.get(department, Figures())
        goals = []
        for what, wanted, done in (("报送", target.submitted, ytd.submitted), ("采用", target.adopted, ytd.adopted)):
            if wanted is not None:
                goals.append(Goal(what, "年度", wanted, done, _days_left(year_end, now)))
        if isinstance(period, Quarter):
            quarter = in_quarter.get(department, Figures())
            for what, wanted, done in (("报送", target.quarter_submitted, quarter.submitted),
                                       ("采用", target.quarter_adopted, quarter.adopted)):  # fmt: skip
                if wanted is not None:
                    goals.append(Goal(what, "季度", wanted, done, _days_left(period.end(tz), now)))
        rows.append(TargetRow(department, tuple(goals)))
    rows.sort(key=lambda r: (r.met, min((g.rate or 0) for g in r.goals) if r.goals else 1, r.department))
    return rows
