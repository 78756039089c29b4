"""Desired publications (items × targets) against the ledger: what to create, update, block,
cancel, take down, or report as changed — the `terraform plan` of the matrix.

`plan(..., apply=False)` only reads; `apply=True` (what sync does) writes the same decisions.
Rules (issue [3/7]):
- an edit before publishing re-renders and reschedules the unclaimed row in place;
- an edit after publishing is "changed since published": a channel that updates in place (the
  website) gets a new publication of the new version; posts elsewhere are never re-posted
  silently — the editor decides with `publisher republish`;
- a removed, expired or re-drafted item cancels what is pending and takes down what was
  published on channels that update in place (its web page);
- missing sign-off or check errors leave the row `blocked`, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from channels.registry import channel_class
from publisher.checks import judge_for_publishing
from publisher.content.findings import Finding
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.content.versions import (
    item_files_hash,
    store_version,
    stored_item_files_hash,
    version_hash,
)
from publisher.ledger import Ledger, Publication, State
from publisher.ledger.identity import Hold
from publisher.ledger.submissions import NewAdoption
from publisher.render.renditions import image_cache_in
from publisher.settings import Settings

PENDING = (State.SCHEDULED, State.BLOCKED, State.QUEUED)


def updates_in_place(channel: str) -> bool:
    """A channel whose published version is replaced when the item changes (web pages)."""
    cls = channel_class(channel)
    return cls is not None and cls.capabilities.updates_in_place

ACTION_LABELS = {
    "create": "新建",
    "update": "更新",
    "unchanged": "不变",
    "blocked": "受阻",
    "cancel": "取消",
    "changed": "发布后有改动",
    "site-update": "网站原位更新",
    "retract": "撤下网页",
    "done": "已完成",
}


@dataclass
class PlanEntry:
    action: str
    item_id: str
    channel: str
    account_id: str
    scheduled_at: datetime | None = None
    title: str = ""
    reason: str | None = None
    publication_id: int | None = None

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["scheduled_at"] = self.scheduled_at.isoformat() if self.scheduled_at else None
        data["label"] = ACTION_LABELS.get(self.action, self.action)
        return data


@dataclass
class Plan:
    entries: list[PlanEntry] = field(default_factory=list)
    commit: str | None = None

    def count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)


def _reason(findings: Iterable[Finding]) -> str | None:
    errors = [f for f in findings if f.is_error]
    if not errors:
        return None
    shown = "；".join(f"{f.message}（{f.location}）" for f in errors[:3])
    return shown + (f"；另有 {len(errors) - 3} 个问题" if len(errors) > 3 else "")


class Planner:
    def __init__(self, ledger: Ledger, matrix: Matrix, settings: Settings, now: datetime, *, apply: bool,
                 holds: dict[str, Hold] | None = None):
        self.ledger, self.matrix, self.settings, self.now, self.apply = ledger, matrix, settings, now, apply
        self.holds = holds or {}
        self.cache = image_cache_in(settings.state_dir)
        self.plan = Plan()
        self.files_hashes: dict[str, str] = {}  # item id → item_files_hash, once per sync

    # -- one item ---------------------------------------------------------------------------
    def item(self, item: ContentItem, commit: str | None) -> None:
        meta = item.meta
        rows = self.ledger.publications(item_id=item.id)
        if meta.draft or (meta.expire_at and meta.expire_at <= self.now):
            if self.apply and not meta.draft:
                # An expired item was still submitted (报送): the reports count it from its
                # stored version, even when the ledger first sees it after it expired.
                self.ledger.upsert_item_version(
                    item.id, version_hash(item), meta.title, department=meta.department,
                    publish_at=meta.publish_at, expire_at=meta.expire_at, draft=False, commit=commit,
                )  # fmt: skip
            why = "条目已改为草稿" if meta.draft else "条目已过下线时间"
            self.withdraw(item.id, rows, why, meta.title)
            return
        vhash = version_hash(item)
        version_id = None
        if self.apply:
            store_version(item, self.settings.state_dir, vhash)
            version_id = self.ledger.upsert_item_version(
                item.id, vhash, meta.title, department=meta.department, publish_at=meta.publish_at,
                expire_at=meta.expire_at, draft=meta.draft, commit=commit,
            )
            self.adoptions(item)
        # The same verdict `publisher check` reports: item checks + each target's channel check.
        verdict = judge_for_publishing(item, self.matrix, self.settings, self.cache)
        wanted = set()
        for target in verdict.targets:
            account = target.account
            wanted.add((account.channel, account.id))
            rhash, reason = target.content_hash, _reason(verdict.errors_for(target))
            self.target(item, account.channel, account.id, rows, version_id, rhash, reason)
        # Targets dropped from the item's front matter: cancel what has not gone out.
        for row in rows:
            if (row.channel, row.account_id) not in wanted and row.state in PENDING:
                self.cancel(row, "条目不再发往此账号", meta.title)

    def adoptions(self, item: ContentItem) -> None:
        """`adopted:` in the front matter goes to the ledger once per outlet (a repeat is a no-op);
        a level the office does not count is left out (check_adopted warns about it)."""
        levels = self.matrix.report.levels
        for note in item.meta.adopted:
            if note.level in levels:
                self.ledger.record_adoption(
                    NewAdoption(note.level, note.by, note.at, item_id=item.id, url=note.url),
                    source="front-matter", actor="sync",
                )

    def target(self, item, channel, account_id, rows, version_id, rhash, reason) -> None:
        """Decide by the target's latest row (republish and site updates add rows)."""
        when = item.meta.publish_at
        mine = [r for r in rows if r.channel == channel and r.account_id == account_id]
        latest = mine[-1] if mine else None
        entry = PlanEntry("create", item.id, channel, account_id, when, item.meta.title, reason)
        self.plan.entries.append(entry)
        if latest is not None:
            entry.publication_id = latest.id
        state = latest.state if latest is not None else None
        hold = self.holds.get(account_id)
        if hold is not None and when < hold.before and state in (None, State.SCHEDULED, State.BLOCKED) and not (
            latest is not None and latest.manual
        ):
            # History of a new, foreign or restored ledger: held until `publisher adopt`.
            reason = entry.reason = hold.reason + (f"；{reason}" if reason else "")
        if state in (State.QUEUED, State.PUBLISHING, State.RETRACTING, State.FAILED, State.UNCONFIRMED) or (
            latest is not None and latest.manual and state in (State.SCHEDULED, State.BLOCKED)
        ):
            entry.action, entry.reason = "done", reason  # in flight, or waiting for the editor
        elif state is State.RETRACTED:
            entry.action, entry.reason = "done", "已撤稿；如需重发请用 publisher republish"
        elif state is State.PUBLISHED:
            if latest.rendition_hash == rhash:
                entry.action = "done"
            elif reason:
                entry.action = "blocked"
            elif updates_in_place(channel):
                entry.action = "site-update"
                if self.apply:
                    entry.publication_id = self.ledger.create_manual(
                        item.id, version_id, channel, account_id, rhash, self.now,
                        reason="网站页面随内容更新", actor="planner").id
            elif self._same_source(latest, item):
                # The editor changed nothing: only how it renders did (an upgrade, an account
                # option). What went out stands; nobody is told to republish.
                entry.action = "done"
            else:
                entry.action, entry.reason = "changed", "发布后内容有改动；如需重发请用 publisher republish"
        elif state is State.CANCELLED:
            # Wanted again (re-published after a draft or expiry): a fresh row.
            entry.action = "blocked" if reason else "create"
            if self.apply and not reason:
                entry.publication_id = self.ledger.create_manual(
                    item.id, version_id, channel, account_id, rhash, when,
                    reason="条目恢复发布", actor="planner").id
        elif self.apply:
            pub, action = self.ledger.upsert_publication(item.id, version_id, channel, account_id, rhash, when, reason)
            entry.publication_id = pub.id
            entry.action = "blocked" if reason else {"skip": "unchanged"}.get(action, action)
        else:
            entry.action = "blocked" if reason else self._predict(latest, rhash, when)

    def _same_source(self, row: Publication, item) -> bool:
        """Did the editor's files stay as they were published? (The version hash also covers
        publisher.toml, so it cannot tell an edit from a configuration change.)"""
        published = self.ledger.item_version(row.item_version_id) if row.item_version_id else None
        if published is None:
            return False
        then = stored_item_files_hash(self.settings.state_dir, published.source_hash, item.id)
        if then is None:
            return False
        if item.id not in self.files_hashes:  # an item's targets share it
            self.files_hashes[item.id] = item_files_hash(item.folder)
        return then == self.files_hashes[item.id]

    @staticmethod
    def _predict(row: Publication | None, rhash: str, when: datetime) -> str:
        if row is None:
            return "create"
        if row.state is State.BLOCKED or row.rendition_hash != rhash or row.scheduled_at != when:
            return "update"
        return "unchanged"

    # -- taking things back -----------------------------------------------------------------
    def withdraw(self, item_id: str, rows: list[Publication], why: str, title: str = "") -> None:
        for row in rows:
            if row.state in PENDING:
                self.cancel(row, why, title)
            elif row.state is State.PUBLISHED and updates_in_place(row.channel):
                entry = PlanEntry("retract", item_id, row.channel, row.account_id, None, title, why, row.id)
                if self.apply:
                    self.ledger.start_retract(row.id, why, actor="planner")
                self.plan.entries.append(entry)

    def cancel(self, row: Publication, why: str, title: str = "") -> None:
        entry = PlanEntry("cancel", row.item_id, row.channel, row.account_id, row.scheduled_at, title, why, row.id)
        if self.apply:
            self.ledger.cancel(row.id, why, actor="planner")
        self.plan.entries.append(entry)

    def removed(self, present: set[str]) -> None:
        """Items the repo no longer has."""
        live = self.ledger.publications(state=[*PENDING, State.PUBLISHED])
        for item_id in sorted({r.item_id for r in live} - present):
            self.withdraw(item_id, [r for r in live if r.item_id == item_id], "条目已从内容库删除")


def plan(
    ledger: Ledger,
    items: list[ContentItem],
    matrix: Matrix,
    settings: Settings,
    now: datetime,
    *,
    commit: str | None = None,
    apply: bool = False,
    kept: set[str] = frozenset(),
    holds: dict[str, Hold] | None = None,
) -> Plan:
    """`kept`: ids of items that exist but could not be read this time (broken front matter, a
    bad link): what was planned from them stays untouched, they are not withdrawn as deleted."""
    planner = Planner(ledger, matrix, settings, now, apply=apply, holds=holds)
    planner.plan.commit = commit
    for item in items:
        planner.item(item, commit)
    planner.removed({item.id for item in items} | set(kept))
    return planner.plan
