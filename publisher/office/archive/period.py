"""The span of time an archive covers: a quarter, a year, or two dates, in the office's timezone.

Its `code` names the archive (it is written into the manifest), so re-running the same period
can recognise its own earlier output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from publisher.office.reports.quarter import Quarter


class PeriodError(ValueError):
    """A period the archivist wrote that cannot be understood; the message is Chinese."""


@dataclass(frozen=True)
class Period:
    first: date  # first day, inclusive
    last: date  # last day, inclusive
    code: str  # "2026Q4", "2026", "2026-10-01_2026-12-31"
    label: str  # "2026 年第四季度"

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.first.year, self.first.month, self.first.day, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the period (exclusive bound)."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=tz)

    def contains(self, moment: datetime | None, tz: tzinfo) -> bool:
        return moment is not None and self.start(tz) <= moment < self.end(tz)


def quarter_period(text: str) -> Period:
    try:
        quarter = Quarter.parse(text)
    except ValueError as exc:
        raise PeriodError(str(exc)) from None
    first = date(quarter.year, 3 * quarter.number - 2, 1)
    following = quarter.following()
    last = date(following.year, 3 * following.number - 2, 1) - timedelta(days=1)
    return Period(first, last, quarter.code, quarter.label)


def year_period(text: str) -> Period:
    if not re.fullmatch(r"\s*\d{4}\s*", text or ""):
        raise PeriodError(f"无法识别的年份“{text}”，请写成 2026 的形式")
    year = int(text)
    return Period(date(year, 1, 1), date(year, 12, 31), str(year), f"{year} 年")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{option} 的日期“{text}”无法识别，请写成 2026-10-01 的形式") from None


def range_period(start: str, end: str) -> Period:
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise PeriodError(f"--to（{last}）早于 --from（{first}），请检查日期")
    return Period(first, last, f"{first}_{last}", f"{first} 至 {last}")


def choose_period(quarter: str | None, year: str | None, start: str | None, end: str | None) -> Period:
    """Exactly one way of naming the period: --quarter, --year, or --from with --to."""
    given = [name for name, value in (("--quarter", quarter), ("--year", year)) if value]
    if start or end:
        given.append("--from/--to")
    if len(given) != 1:
        raise PeriodError("请用 --quarter（如 2026Q4）、--year（如 2026）或 --from 与 --to（如 2026-10-01）中的一种指定归档期间")
    if quarter:
        return quarter_period(quarter)
    if year:
        return year_period(year)
    if not (start and end):
        raise PeriodError("--from 与 --to 须同时给出，如 --from 2026-10-01 --to 2026-12-31")
    return range_period(start, end)
