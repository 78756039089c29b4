"""Adoption written in an item's front matter (`adopted:`): sync records it in the ledger once
(with its audit row), the report counts it, and a level the office does not count is a warning
at its line (the item still publishes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from publish_fixtures import write_content

from publisher.checks import check_items
from publisher.content.matrix import load_matrix
from publisher.ledger import open_ledger
from publisher.office.reports import Quarter, build_quarterly_report
from publisher.schedule.sync import sync
from publisher.settings import Settings

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
ADOPTED = """adopted:
  - {by: 省政府办公厅《政务信息》, level: 省级, at: 2026-11-25, url: "https://gov.example/zwxx/7"}
  - {by: 县委办《信息》, level: 县级, at: 2026-11-26}
"""


def test_front_matter_adoption_is_recorded_once_and_counted(tmp_path):
    root = tmp_path / "content"
    (item_id,) = write_content(root, 1, "http://127.0.0.1:9", publish_at=NOW - timedelta(hours=1))
    index = root / "items" / item_id / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("review:\n", ADOPTED + "review:\n", 1), encoding="utf-8")
    matrix = load_matrix(root)

    report = check_items(root, matrix)
    (warning,) = [f for f in report.findings if f.code == "adopted-level"]
    assert not warning.is_error and "采用级别“县级”不在" in warning.message
    assert warning.line == index.read_text(encoding="utf-8").split("\n").index(ADOPTED.split("\n")[2]) + 1

    settings = Settings(content_dir=root, state_dir=tmp_path / "state", use_git=False)
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as ledger:
        sync(root, ledger, settings, NOW)
        sync(root, ledger, settings, NOW + timedelta(minutes=5))
        (record,) = ledger.adoptions()
        assert (record.item_id, record.level, record.outlet, record.source) == (
            item_id, "省级", "省政府办公厅《政务信息》", "front-matter")
        assert [e.actor for e in ledger.history(item_id) if e.event == "adoption-recorded"] == ["sync"]
        q4 = build_quarterly_report(ledger, matrix, Quarter(2026, 4), now=NOW + timedelta(days=10))
        assert q4.total.by_level == {"省级": 1} and q4.total.upper == 1 and q4.total.adopted == 1
