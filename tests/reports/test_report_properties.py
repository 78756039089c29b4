"""Property: over random histories of submissions and adoptions, every report row obeys the
definitions (recomputed here independently, the slow obvious way), the total row is the sum of
the rows, and the four quarters add up to the year."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.office.reports.figures import Entry, Event, grouped_figures
from publisher.office.reports.quarter import Quarter, Year
from publisher.office.reports.quarterly import DepartmentRow, _total
from tests.reports.history import TZ

START = datetime(2025, 10, 1, tzinfo=TZ)
DEPARTMENTS = ["办公室", "数据资源处", "宣传科"]
ACCOUNTS = {"wx": "wechat", "wb": "weibo", "portal": "site"}
POINTS = {"wx": 3.0, "wb": 1.0, "portal": 1.0}
LEVELS = {"本级": 1.0, "市级": 3.0, "省级": 5.0, "国家级": 10.0}
HOURS = 24 * 500  # histories run from 2025-10 into 2027

moments = st.integers(min_value=0, max_value=HOURS).map(lambda h: START + timedelta(hours=h))
publication = st.builds(
    lambda at, account: Event(at, "本级", POINTS[account], channel=ACCOUNTS[account], account=account),
    moments, st.sampled_from(sorted(ACCOUNTS)),
)
record = st.builds(lambda at, level: Event(at, level, LEVELS[level], outlet=f"{level}刊物"), moments,
                   st.sampled_from(sorted(LEVELS)))  # fmt: skip
decision = st.builds(lambda at: Event(at), moments)
entries = st.lists(
    st.builds(
        lambda dept, at, events: (dept, at, tuple(events)),
        st.sampled_from(DEPARTMENTS), moments, st.lists(st.one_of(publication, record, decision), max_size=6),
    ),
    max_size=25,
).map(lambda rows: [Entry(f"e{n}", dept, at, events) for n, (dept, at, events) in enumerate(rows)])


def _in(moment, start, end):
    return start <= moment < end


def expected_row(history: list[Entry], department: str, start, end) -> dict:
    """Each figure straight from its definition (docs/reports.md), with no shared code."""
    mine = [e for e in history if e.department == department]
    submitted_at = {e.key: min([e.submitted_at] + [v.at for v in e.events]) for e in mine}
    first = {e.key: min((v.at for v in e.events), default=None) for e in mine}
    adopted = [e for e in mine if first[e.key] and _in(first[e.key], start, end)]
    score = 0.0
    for e in mine:
        for account in ACCOUNTS:
            times = [v.at for v in e.events if v.account == account]
            if times and _in(min(times), start, end):
                score += POINTS[account]
        score += sum(v.points for v in e.events if v.outlet and _in(v.at, start, end))
    return {
        "submitted": sum(_in(submitted_at[e.key], start, end) for e in mine),
        "adopted": len(adopted),
        "adopted_earlier": sum(submitted_at[e.key] < start for e in adopted),
        "by_level": {lv: n for lv in LEVELS if (n := sum(v.level == lv for e in mine for v in e.events
                                                         if v.outlet and _in(v.at, start, end)))},
        "score": round(score, 2),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries)
def test_every_row_obeys_the_definitions_and_totals_add_up(history):
    for period in [Quarter(2026, n) for n in (1, 2, 3, 4)] + [Year(2026)]:
        start, end = period.start(TZ), period.end(TZ)
        groups = grouped_figures(history, start, end)
        rows = [DepartmentRow(**vars(f), department=d) for d, f in groups.items()]
        for row in rows:
            want = expected_row(history, row.department, start, end)
            got = {k: getattr(row, k) for k in want}
            got["by_level"] = dict(row.by_level)
            assert got == want, row.department
            assert row.adopted == row.adopted_of_submitted + row.adopted_earlier
            assert row.adopted_of_submitted <= row.submitted
            assert row.adoption_rate is None or 0 <= row.adoption_rate <= 1
        for department in set(DEPARTMENTS) - set(groups):
            assert expected_row(history, department, start, end) == {
                "submitted": 0, "adopted": 0, "adopted_earlier": 0, "by_level": {}, "score": 0}
        total = _total(rows)
        for name in ("submitted", "adopted", "adopted_earlier", "adopted_of_submitted", "upper"):
            assert getattr(total, name) == sum(getattr(r, name) for r in rows), name
        assert total.score == round(sum(r.score for r in rows), 2)
        for channel in ACCOUNTS.values():
            assert total.by_channel.get(channel, 0) == sum(r.by_channel.get(channel, 0) for r in rows)


@settings(max_examples=100, deadline=None)
@given(entries)
def test_quarters_add_up_to_their_year(history):
    year = Year(2026)
    whole = _total([DepartmentRow(**vars(f)) for f in grouped_figures(history, year.start(TZ), year.end(TZ)).values()])
    parts = [_total([DepartmentRow(**vars(f)) for f in grouped_figures(history, q.start(TZ), q.end(TZ)).values()])
             for q in (Quarter(2026, n) for n in (1, 2, 3, 4))]  # fmt: skip
    for name in ("submitted", "adopted", "upper"):
        assert getattr(whole, name) == sum(getattr(p, name) for p in parts), name
    assert whole.score == round(sum(p.score for p in parts), 2)
    assert whole.by_channel == {c: n for c in ACCOUNTS.values()
                                if (n := sum(p.by_channel.get(c, 0) for p in parts))}  # fmt: skip
