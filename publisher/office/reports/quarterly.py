"""The quarterly report (信息报送情况通报): what each department submitted, what was adopted on
which channel, its reach, its score and its reward tier.

Definitions (docs/reports.md explains them to editors):

- **submitted** (报送): an item whose newest stored version is not a draft and whose publish
  time (`publish_at`; without one, when the item was first stored) falls in the quarter. The
  department (报送单位) is the newest version's `department`.
- **adopted** (采用) on a channel: the item has a publication on that channel that is
  `published` now and was published within the quarter (retracted posts do not count). The
  department is that of the version that was published.
- **score** (积分): every adopted (item, account) pair earns the account's points, else its
  channel's, else `default_points` (`[report]` in publisher.toml). A republish on the same
  account earns nothing more.
- **reach** (传播): the newest stored figures of those adopted publications, summed.
- **rank** (排名): by score, ties sharing a rank (1, 1, 3); **tier** (档次): the highest
  `[[report.tiers]]` whose `min_points` the score reaches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from channels.registry import channel_class
from publisher.content.matrix import Matrix
from publisher.ledger import Ledger, State
from publisher.ledger.reach_records import FIGURES
from publisher.office.reports.quarter import Quarter

NO_DEPARTMENT = "（未注明报送单位）"


@dataclass
class Reach:
    reads: int = 0
    shares: int = 0
    likes: int = 0
    comments: int = 0

    def add(self, other) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + (getattr(other, name) or 0))


@dataclass
class DepartmentRow:
    department: str
    submitted: int = 0
    adopted: int = 0  # distinct items adopted on at least one channel
    adopted_of_submitted: int = 0  # of the items submitted this quarter, those adopted
    by_channel: dict[str, int] = field(default_factory=dict)  # channel → distinct items
    by_account: dict[str, int] = field(default_factory=dict)  # account → adopted items
    reach: Reach = field(default_factory=Reach)
    score: float = 0.0
    rank: int = 0
    tier: str = ""

    @property
    def adoption_rate(self) -> float | None:
        """Adopted items among those submitted this quarter (None: nothing submitted)."""
        return self.adopted_of_submitted / self.submitted if self.submitted else None


@dataclass
class QuarterlyReport:
    quarter: Quarter
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


def build_quarterly_report(
    ledger: Ledger,
    matrix: Matrix,
    quarter: Quarter,
    *,
    department: str | None = None,
    now: datetime | None = None,
) -> QuarterlyReport:
    """Count the quarter from the ledger. `department` keeps one row (ranked among all)."""
    tz, rules = matrix.tz, matrix.report
    versions = ledger.list_item_versions()
    version_by_id = {v.id: v for v in versions}
    first_seen: dict[str, datetime] = {}
    newest: dict[str, object] = {}
    for version in versions:  # in id order: the last one seen is the newest
        first_seen.setdefault(version.item_id, version.created_at)
        newest[version.item_id] = version

    rows: dict[str, DepartmentRow] = {}

    def row_of(name: str | None) -> DepartmentRow:
        key = (name or "").strip() or NO_DEPARTMENT
        return rows.setdefault(key, DepartmentRow(key))

    submitted_items: dict[str, str] = {}  # item → department
    for item_id, version in newest.items():
        when = version.publish_at or first_seen[item_id]
        if not version.draft and quarter.contains(when, tz):
            row_of(version.department).submitted += 1
            submitted_items[item_id] = row_of(version.department).department

    adopted = _adopted_publications(ledger, quarter, tz)
    reach = ledger.latest_reach([p.id for p in adopted])
    items_by_dept: dict[str, set[str]] = defaultdict(set)
    channel_items: dict[tuple[str, str], set[str]] = defaultdict(set)
    account_items: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pub in adopted:
        row = row_of(getattr(version_by_id.get(pub.item_version_id), "department", None))
        items_by_dept[row.department].add(pub.item_id)
        channel_items[(row.department, pub.channel)].add(pub.item_id)
        if pub.item_id not in account_items[(row.department, pub.account_id)]:
            account_items[(row.department, pub.account_id)].add(pub.item_id)
            row.score += rules.points_for(pub.channel, pub.account_id)
        if pub.id in reach:
            row.reach.add(reach[pub.id])
    for (dept, channel), items in channel_items.items():
        rows[dept].by_channel[channel] = len(items)
    for (dept, account), items in account_items.items():
        rows[dept].by_account[account] = len(items)
    for dept, items in items_by_dept.items():
        rows[dept].adopted = len(items)
    for row in rows.values():
        row.adopted_of_submitted = len(
            {i for i in items_by_dept.get(row.department, ()) if submitted_items.get(i) == row.department}
        )
        row.score = round(row.score, 2)
        row.tier = rules.tier_for(row.score)

    ranked = _rank(list(rows.values()))
    shown = [r for r in ranked if department is None or r.department == department]
    used = {c for r in ranked for c in r.by_channel} | {a.channel for a in matrix.accounts}
    channels = sorted(used, key=_channel_order)
    return QuarterlyReport(
        quarter=quarter,
        timezone=matrix.timezone,
        generated_at=(now or datetime.now(tz)).astimezone(tz),
        channels=channels,
        channel_titles={c: _channel_title(c) for c in channels},
        accounts=[(a.id, a.name, a.channel) for a in matrix.accounts],
        rows=shown,
        total=_total(shown),
        points={c: rules.points.get(c, rules.default_points) for c in channels},
        account_points=dict(rules.account_points),
        tiers=sorted(((t.min_points, t.label) for t in rules.tiers), reverse=True),
    )


def _adopted_publications(ledger: Ledger, quarter: Quarter, tz) -> list:
    return [
        p
        for p in ledger.publications(state=State.PUBLISHED)
        if quarter.contains(p.published_at, tz)
    ]


def _rank(rows: list[DepartmentRow]) -> list[DepartmentRow]:
    rows.sort(key=lambda r: (-r.score, -r.adopted, -r.submitted, r.department))
    for position, row in enumerate(rows, start=1):
        previous = rows[position - 2] if position > 1 else None
        row.rank = previous.rank if previous and previous.score == row.score else position
    return rows


def _total(rows: list[DepartmentRow]) -> DepartmentRow:
    total = DepartmentRow("合计")
    for row in rows:
        total.submitted += row.submitted
        total.adopted += row.adopted
        total.adopted_of_submitted += row.adopted_of_submitted
        total.score = round(total.score + row.score, 2)
        total.reach.add(row.reach)
        for source, target in ((row.by_channel, total.by_channel), (row.by_account, total.by_account)):
            for key, count in source.items():
                target[key] = target.get(key, 0) + count
    return total


def _channel_order(name: str) -> tuple[int, str]:
    """Columns in the order the channels ask for (`Channel.report_order`), unknown ones last."""
    cls = channel_class(name)
    return (cls.report_order if cls is not None else 1000, name)


def _channel_title(name: str) -> str:
    cls = channel_class(name)
    return getattr(cls, "title", name) if cls else name
