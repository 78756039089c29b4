"""One definition of every figure the reports print, as pure functions of a history.

A history is a list of `Entry` (one per submission: a department's hand-in or an item of the
content repo) with its adoption `Event`s, whenever they happened. For a period [start, end):

- **报送** (submitted): entries whose submission date falls in the period.
- **采用** (adopted): entries whose *first* adoption (any level, any channel) falls in the
  period. Of those, **往期报送** (adopted_earlier) were submitted before the period and
  **本期报送** (adopted_of_submitted) within it — always adopted = both added up, so
  **采用率** = adopted_of_submitted / submitted is never above 100 %.
- **渠道采用** (by_channel, by_account): entries whose first publication on that channel (that
  account) falls in the period.
- **级别采用** (by_level): adoption records (not publications) dated in the period, per level;
  **上级采用** is every level but 本级.
- **积分** (score): the points of what was counted in the period: each entry's first
  publication per account, each adoption record. An editor's 采用 decision dates the adoption
  and earns nothing by itself.
- **传播** (reach): newest figures of the publications made in the period (republishes too).

A submission date later than the first adoption is taken as the adoption date (an item
published early by hand is submitted when it went out), so nothing is adopted before it exists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from publisher.content.matrix import LOCAL_LEVEL

NO_DEPARTMENT = "（未注明报送单位）"
NO_REPORTER = "（未注明信息员）"
FIGURE_NAMES = ("reads", "shares", "likes", "comments")


@dataclass(frozen=True)
class Event:
    """One adoption. `channel`/`account` for a publication on the office's own channels,
    `outlet` for an adoption record; neither for an editor's 采用 decision."""

    at: datetime
    level: str = LOCAL_LEVEL
    points: float = 0.0
    channel: str | None = None
    account: str | None = None
    outlet: str | None = None
    publication_id: int | None = None

    @property
    def is_publication(self) -> bool:
        return self.channel is not None

    @property
    def is_record(self) -> bool:
        return self.outlet is not None


@dataclass(frozen=True)
class Entry:
    key: str
    department: str
    submitted_at: datetime
    events: tuple[Event, ...] = ()
    reporter: str = NO_REPORTER
    info_type: str | None = None
    title: str = ""

    @property
    def first_adopted_at(self) -> datetime | None:
        return min((e.at for e in self.events), default=None)


def settled(entry: Entry) -> Entry:
    """The entry with its submission date no later than its first adoption."""
    first = entry.first_adopted_at
    if first is not None and first < entry.submitted_at:
        return replace(entry, submitted_at=first)
    return entry


@dataclass
class Reach:
    reads: int = 0
    shares: int = 0
    likes: int = 0
    comments: int = 0

    def add(self, other) -> None:
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + (getattr(other, name, 0) or 0))


@dataclass
class Figures:
    submitted: int = 0
    adopted: int = 0
    adopted_of_submitted: int = 0  # adopted in the period, submitted in it
    adopted_earlier: int = 0  # adopted in the period, submitted before it
    by_channel: dict[str, int] = field(default_factory=dict)
    by_account: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    score: float = 0.0
    reach: Reach = field(default_factory=Reach)

    @property
    def adoption_rate(self) -> float | None:
        """Of the entries submitted in the period, the share adopted in it (None: none submitted)."""
        return self.adopted_of_submitted / self.submitted if self.submitted else None

    @property
    def upper(self) -> int:
        """上级采用: adoption records above the office's own level."""
        return sum(n for level, n in self.by_level.items() if level != LOCAL_LEVEL)

    def absorb(self, other: Figures) -> None:
        """Add another group's figures (a total is the sum of its rows, by construction)."""
        self.submitted += other.submitted
        self.adopted += other.adopted
        self.adopted_of_submitted += other.adopted_of_submitted
        self.adopted_earlier += other.adopted_earlier
        for mine, theirs in ((self.by_channel, other.by_channel), (self.by_account, other.by_account),
                             (self.by_level, other.by_level)):  # fmt: skip
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.score = round(self.score + other.score, 2)
        self.reach.add(other.reach)


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def entry_figures(entry: Entry, start: datetime, end: datetime, reach: Mapping[int, object]) -> Figures:
    """One entry's contribution to the period (each figure by its definition above)."""
    entry = settled(entry)
    out = Figures()
    if _in(entry.submitted_at, start, end):
        out.submitted = 1
    if _in(entry.first_adopted_at, start, end):
        out.adopted = 1
        if entry.submitted_at < start:
            out.adopted_earlier = 1
        else:
            out.adopted_of_submitted = 1
    first_on: dict[tuple[str, str], Event] = {}
    for event in sorted(entry.events, key=lambda e: e.at):
        if event.is_publication:
            for key in (("channel", event.channel), ("account", event.account)):
                first_on.setdefault(key, event)  # type: ignore[arg-type]
            if _in(event.at, start, end) and event.publication_id in reach:
                out.reach.add(reach[event.publication_id])
        elif event.is_record and _in(event.at, start, end):
            out.by_level[event.level] = out.by_level.get(event.level, 0) + 1
            out.score += event.points
    for (kind, name), event in first_on.items():
        if _in(event.at, start, end):
            (out.by_channel if kind == "channel" else out.by_account)[name] = 1
            if kind == "account":
                out.score += event.points
    out.score = round(out.score, 2)
    return out


def grouped_figures(
    entries: Iterable[Entry],
    start: datetime,
    end: datetime,
    reach: Mapping[int, object] | None = None,
    *,
    key: Callable[[Entry], str] = lambda e: e.department,
) -> dict[str, Figures]:
    """Figures per group (department by default); groups with nothing in the period are left out."""
    groups: dict[str, Figures] = defaultdict(Figures)
    for entry in entries:
        figures = entry_figures(entry, start, end, reach or {})
        if _anything(figures):
            groups[key(entry)].absorb(figures)
    return dict(groups)


def _anything(f: Figures) -> bool:
    return bool(f.submitted or f.adopted or f.by_channel or f.by_account or f.by_level or f.score
                or any(getattr(f.reach, n) for n in FIGURE_NAMES))  # fmt: skip


def total_of(rows: Iterable[Figures]) -> Figures:
    total = Figures()
    for row in rows:
        total.absorb(row)
    return total
