"""The ledger's history as report entries: one per submission, with every adoption it had.

- A submission taken in (`publisher intake`) or imported is one entry: its department, 信息员,
  type and date as recorded. Once adopted it is linked to an item, whose publications and
  adoption records are its events.
- An item of the content repo that no submission links to is an entry of its own (how an office
  that does not use intake works): department of its newest stored version, submitted at its
  `publish_at` (without one, when it was first stored); an item whose newest version is a draft
  is not submitted. Expired items count like any other (their versions are kept).

Only publications that are `published` now count (a retracted post is not an adoption).
"""

from __future__ import annotations

from collections import defaultdict

from publisher.content.matrix import LOCAL_LEVEL, Matrix
from publisher.ledger import Ledger, State
from publisher.office.reports.figures import NO_DEPARTMENT, NO_REPORTER, Entry, Event


def _department(name: str | None) -> str:
    return (name or "").strip() or NO_DEPARTMENT


def collect_entries(ledger: Ledger, matrix: Matrix) -> list[Entry]:
    rules = matrix.report
    newest, first_seen = {}, {}
    for version in ledger.list_item_versions():  # in id order: the last one seen is the newest
        first_seen.setdefault(version.item_id, version.created_at)
        newest[version.item_id] = version

    published: dict[str, list[Event]] = defaultdict(list)
    for pub in ledger.publications(state=State.PUBLISHED):
        if pub.published_at is None:
            continue
        published[pub.item_id].append(Event(
            pub.published_at, LOCAL_LEVEL, rules.points_for(pub.channel, pub.account_id),
            channel=pub.channel, account=pub.account_id, publication_id=pub.id,
        ))  # fmt: skip

    records_by_item: dict[str, list] = defaultdict(list)
    records_by_submission: dict[int, list] = defaultdict(list)
    for record in ledger.adoptions():
        if record.item_id is not None:
            records_by_item[record.item_id].append(record)
        else:
            records_by_submission[record.submission_id].append(record)

    def record_events(records, info_type) -> list[Event]:
        return [Event(r.adopted_at, r.level, rules.level_points(r.level, info_type), outlet=r.outlet)
                for r in records]  # fmt: skip

    entries: list[Entry] = []
    linked: set[str] = set()
    for sub in ledger.submissions():
        events = record_events(records_by_submission.get(sub.id, []), sub.info_type)
        if sub.item_id:
            linked.add(sub.item_id)
            events += published.get(sub.item_id, [])
            events += record_events(records_by_item.get(sub.item_id, []), sub.info_type)
        if sub.state == "adopted" and sub.decided_at is not None:
            events.append(Event(sub.decided_at, LOCAL_LEVEL))  # the decision dates it, earns nothing
        entries.append(Entry(
            key=sub.key, department=_department(sub.department), submitted_at=sub.submitted_at,
            events=tuple(events), reporter=(sub.reporter or "").strip() or NO_REPORTER,
            info_type=sub.info_type, title=sub.title,
        ))  # fmt: skip

    for item_id, version in newest.items():
        if item_id in linked or version.draft:
            continue
        events = published.get(item_id, []) + record_events(records_by_item.get(item_id, []), None)
        entries.append(Entry(
            key=item_id, department=_department(version.department),
            submitted_at=version.publish_at or first_seen[item_id], events=tuple(events), title=version.title,
        ))  # fmt: skip
    return entries
