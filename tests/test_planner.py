"""Sync and plan over a real SQLite ledger: create, reschedule, block, cancel, changed-since-
published, site updates and take-downs, and git-committed state only."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from publish_fixtures import write_content

from publisher.ledger import State, open_ledger
from publisher.schedule.sync import sync
from publisher.settings import Settings

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
SITE_ACCOUNT = '\n[[accounts]]\nid = "portal"\nname = "门户网站"\nchannel = "site"\n'


@pytest.fixture()
def repo(tmp_path: Path):
    root = tmp_path / "content"
    write_content(root, 3, "http://127.0.0.1:9", channels=("wechat", "weibo"), publish_at=NOW - timedelta(hours=1))
    with (root / "publisher.toml").open("a", encoding="utf-8") as fh:
        fh.write(SITE_ACCOUNT)
    settings = Settings(content_dir=root, state_dir=tmp_path / "state", use_git=False)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    yield root, settings, ledger
    ledger.close()


def _actions(report) -> dict[tuple[str, str], str]:
    return {(e.item_id, e.account_id): e.action for e in report.plan.entries}


def _publish(ledger, pub_id: int) -> None:
    """Walk one row through the executor's path so the planner sees it published."""
    if ledger.get(pub_id).state is State.SCHEDULED:
        ledger.claim_due(NOW + timedelta(days=1), 0, 1000, "t")  # claims every due row
    assert ledger.get(pub_id).state is State.QUEUED
    started = ledger.start(pub_id, "t")
    ledger.finish_published(pub_id, "remote-1", "http://example.invalid/1", attempt=started.attempts)


def test_first_sync_creates_one_row_per_target_and_second_changes_nothing(repo):
    root, settings, ledger = repo
    first = sync(root, ledger, settings, NOW)
    assert set(_actions(first).values()) == {"create"}
    assert len(ledger.publications()) == 3 * 3
    plan_only = sync(root, ledger, settings, NOW, apply=False)
    assert set(_actions(plan_only).values()) == {"unchanged"}
    second = sync(root, ledger, settings, NOW)
    assert set(_actions(second).values()) == {"unchanged"}
    assert len(ledger.publications()) == 9


def test_edit_before_publishing_reschedules_in_place(repo):
    root, settings, ledger = repo
    sync(root, ledger, settings, NOW)
    index = root / "items/2026/11/item-0000/index.md"
    text = index.read_text(encoding="utf-8")
    later = (NOW + timedelta(days=2) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    index.write_text(text.replace(text.split("publish_at: ")[1].split("\n")[0], f'"{later}"'), encoding="utf-8")
    report = sync(root, ledger, settings, NOW)
    assert _actions(report)[("2026/11/item-0000", "wx-main")] == "update"
    rows = ledger.publications(item_id="2026/11/item-0000")
    assert len(rows) == 3 and all(r.scheduled_at == NOW + timedelta(days=2) for r in rows)


def test_missing_signoff_blocks_with_reason(repo):
    root, settings, ledger = repo
    index = root / "items/2026/11/item-0001/index.md"
    lines = [ln for ln in index.read_text(encoding="utf-8").splitlines() if "终审" not in ln]
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sync(root, ledger, settings, NOW)
    rows = ledger.publications(item_id="2026/11/item-0001")
    assert rows and all(r.state is State.BLOCKED for r in rows)
    assert all("终审" in (r.blocked_reason or "") for r in rows)


def test_change_after_publishing_updates_site_but_never_reposts_wechat(repo):
    root, settings, ledger = repo
    sync(root, ledger, settings, NOW)
    rows = {r.account_id: r for r in ledger.publications(item_id="2026/11/item-0002")}
    for account in ("wx-main", "portal"):
        _publish(ledger, rows[account].id)
    index = root / "items/2026/11/item-0002/index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("下一步", "下一阶段"), encoding="utf-8")
    report = sync(root, ledger, settings, NOW)
    actions = _actions(report)
    assert actions[("2026/11/item-0002", "wx-main")] == "changed"
    assert actions[("2026/11/item-0002", "portal")] == "site-update"
    wechat = ledger.publications(item_id="2026/11/item-0002", account_id="wx-main")
    site = ledger.publications(item_id="2026/11/item-0002", account_id="portal")
    assert len(wechat) == 1 and len(site) == 2 and site[-1].state is State.SCHEDULED
    # Syncing again does not pile up more site updates.
    sync(root, ledger, settings, NOW)
    assert len(ledger.publications(item_id="2026/11/item-0002", account_id="portal")) == 2


def test_a_rendering_change_alone_is_not_an_edit_after_publishing(repo):
    """An upgrade or an account option changes what a post would look like, not what the editor
    wrote: published posts stay done (nobody is told to republish); pending rows take the new form."""
    root, settings, ledger = repo
    later = root / "items/2026/11/item-0001/index.md"  # due in three days: still pending after the change
    text = later.read_text(encoding="utf-8")
    later.write_text(re.sub(r'publish_at: "[^"]+"', 'publish_at: "2026-11-25 12:00"', text), encoding="utf-8")
    sync(root, ledger, settings, NOW)
    published = {r.account_id: r for r in ledger.publications(item_id="2026/11/item-0002")}
    _publish(ledger, published["wb-main"].id)
    pending = ledger.publications(item_id="2026/11/item-0001", account_id="wb-main")[0]
    assert pending.state is State.SCHEDULED
    toml = root / "publisher.toml"  # the office shortens its posts: every post renders shorter
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'hourly_limit = 1000000', 'hourly_limit = 1000000\ntext_limit = 70'), encoding="utf-8")
    report = sync(root, ledger, settings, NOW)
    actions = _actions(report)
    assert actions[("2026/11/item-0002", "wb-main")] == "done"
    assert actions[("2026/11/item-0001", "wb-main")] == "update"
    assert ledger.get(pending.id).rendition_hash != pending.rendition_hash  # the new form, before it goes out
    assert len(ledger.publications(item_id="2026/11/item-0002", account_id="wb-main")) == 1
    # An edit by the editor is still one.
    index = root / "items/2026/11/item-0002/index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("下一步", "下一阶段"), encoding="utf-8")
    assert _actions(sync(root, ledger, settings, NOW))[("2026/11/item-0002", "wb-main")] == "changed"


def test_redraft_and_removal_cancel_pending_and_take_site_page_down(repo):
    root, settings, ledger = repo
    sync(root, ledger, settings, NOW)
    site_row = ledger.publications(item_id="2026/11/item-0000", account_id="portal")[0]
    _publish(ledger, site_row.id)
    index = root / "items/2026/11/item-0000/index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("cover: cover.jpg", "cover: cover.jpg\ndraft: true"), encoding="utf-8")
    import shutil

    shutil.rmtree(root / "items/2026/11/item-0001")
    report = sync(root, ledger, settings, NOW)
    actions = _actions(report)
    assert actions[("2026/11/item-0000", "portal")] == "retract"
    assert actions[("2026/11/item-0000", "wx-main")] == "cancel"
    assert actions[("2026/11/item-0001", "wb-main")] == "cancel"
    assert ledger.get(site_row.id).state is State.RETRACTING
    assert {r.state for r in ledger.publications(item_id="2026/11/item-0001")} == {State.CANCELLED}


def test_sync_reads_committed_state_and_records_the_commit(tmp_path: Path):
    root = tmp_path / "content"
    write_content(root, 2, "http://127.0.0.1:9", channels=("weibo",), publish_at=NOW)
    git = ["git", "-C", str(root), "-c", "user.name=编辑", "-c", "user.email=e@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "稿件"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    # An uncommitted new item must not be planned.
    write_content(tmp_path / "extra", 3, "http://127.0.0.1:9", channels=("weibo",), publish_at=NOW)
    (root / "items/2026/11/item-0002").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "extra/items/2026/11/item-0002").rename(root / "items/2026/11/item-0002")
    settings = Settings(content_dir=root, state_dir=tmp_path / "state")
    with open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as ledger:
        report = sync(root, ledger, settings, NOW)
        assert report.commit == commit
        assert {e.item_id for e in report.plan.entries} == {"2026/11/item-0000", "2026/11/item-0001"}
        version = ledger.item_version(ledger.publications()[0].item_version_id)
        assert version.commit == commit


def test_an_item_first_seen_after_it_expired_is_still_submitted(repo):
    """Issue 15: an item whose expire_at fell in the quarter was left out of 报送 when sync first
    saw it after it expired. Its version is stored (nothing is published) and the report counts it."""
    from publisher.content.matrix import load_matrix
    from publisher.office.reports import Quarter, build_quarterly_report

    root, settings, ledger = repo
    index = root / "items/2026/11/item-0001/index.md"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "cover: cover.jpg", 'cover: cover.jpg\nexpire_at: "2026-11-22 10:00"'), encoding="utf-8")  # fmt: skip
    sync(root, ledger, settings, NOW + timedelta(days=1))
    assert ledger.publications(item_id="2026/11/item-0001") == []
    assert [v.item_id for v in ledger.list_item_versions("2026/11/item-0001")] == ["2026/11/item-0001"]
    report = build_quarterly_report(ledger, load_matrix(root), Quarter(2026, 4), now=NOW + timedelta(days=1))
    assert report.total.submitted == 3
