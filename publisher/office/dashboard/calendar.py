"""The publishing calendar: what each account has scheduled and published, by day.

A publication sits on the day it went out (`published_at`) or, until then, on the day it is
scheduled for. Month view: the weeks (Monday first) covering the month of `now`; week view:
the seven days of `now`'s week, one row per account.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger, Publication, State, state_label

# Rows that never reached a channel and never will are noise on a calendar.
HIDDEN_STATES = frozenset({State.CANCELLED})
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


@dataclass(frozen=True)
class CalendarEntry:
    publication_id: int
    item_id: str
    title: str
    account_id: str
    account_name: str
    channel: str
    state: str
    state_label: str
    when: datetime  # local time
    published: bool

    @property
    def time(self) -> str:
        return f"{self.when:%H:%M}"


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[CalendarEntry] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"d-{self.day.isoformat()}"


@dataclass
class MonthView:
    year: int
    month: int
    weeks: list[list[Day]]

    @property
    def label(self) -> str:
        return f"{self.year} 年 {self.month} 月"


@dataclass
class WeekView:
    start: date
    days: list[date]
    rows: list[tuple[str, str, list[list[CalendarEntry]]]]  # (account id, name, entries per day)

    @property
    def label(self) -> str:
        end = self.days[-1]
        return f"{self.start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def calendar_entries(ledger: Ledger, matrix: Matrix, titles: dict[int, str] | None = None) -> list[CalendarEntry]:
    if titles is None:
        titles = {v.id: v.title for v in ledger.list_item_versions()}
    names = {a.id: a.name for a in matrix.accounts}
    entries = []
    for pub in ledger.publications():
        if pub.state in HIDDEN_STATES:
            continue
        entries.append(_entry(pub, titles, names, matrix))
    entries.sort(key=lambda e: (e.when, e.account_id, e.item_id))
    return entries


def _entry(pub: Publication, titles: dict[int, str], names: dict[str, str], matrix: Matrix) -> CalendarEntry:
    published = pub.published_at is not None and pub.state in (State.PUBLISHED, State.RETRACTING, State.RETRACTED)
    when = (pub.published_at if published else pub.scheduled_at).astimezone(matrix.tz)
    return CalendarEntry(
        publication_id=pub.id,
        item_id=pub.item_id,
        title=titles.get(pub.item_version_id, pub.item_id),
        account_id=pub.account_id,
        account_name=names.get(pub.account_id, pub.account_id),
        channel=pub.channel,
        state=pub.state.value,
        state_label=state_label(pub.state),
        when=when,
        published=published,
    )


def month_view(entries: list[CalendarEntry], now: datetime, tz) -> MonthView:
    local = now.astimezone(tz)
    today = local.date()
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.when.date()].append(entry)
    weeks = []
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(local.year, local.month):
        weeks.append([Day(d, d.month == local.month, d == today, by_day.get(d, [])) for d in week])
    return MonthView(local.year, local.month, weeks)


def week_view(entries: list[CalendarEntry], matrix: Matrix, now: datetime) -> WeekView:
    today = now.astimezone(matrix.tz).date()
    start = today - timedelta(days=today.weekday())
    days = [start + timedelta(days=n) for n in range(7)]
    grid: dict[str, list[list[CalendarEntry]]] = {a.id: [[] for _ in days] for a in matrix.accounts}
    names = {a.id: a.name for a in matrix.accounts}
    for entry in entries:
        offset = (entry.when.date() - start).days
        if 0 <= offset < 7:
            grid.setdefault(entry.account_id, [[] for _ in days])[offset].append(entry)
            names.setdefault(entry.account_id, entry.account_name)
    rows = [(account, names[account], cells) for account, cells in grid.items()]
    return WeekView(start, days, rows)
