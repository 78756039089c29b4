"""`publisher adopt`: settle the history a new, foreign or restored ledger holds back.

Every held row (publisher.ledger.identity) is shown to its channel, which says what the account
already carries (`Channel.find_existing`: the published list, the own timeline, the deployed
pages). Found → recorded as published, with the platform's id and the channel's receipt, one
audit row each. Not found → stays held, unless the operator says `--catch-up`: then it is
scheduled and the next run sends it. A channel that cannot tell leaves its rows held (or sends
them with `--catch-up`, because that is what the operator asked). An account's hold ends when
nothing of it is held any more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from channels.errors import ChannelError

if TYPE_CHECKING:
    from publisher.ledger import Publication
    from publisher.runtime.context import Runtime

OUTCOME_LABELS = {
    "found": "平台已有，记为已发布",
    "absent": "平台上没有，继续暂缓",
    "unknown": "渠道无法核对，继续暂缓",
    "released": "确认补发，已排期",
    "error": "核对失败，继续暂缓",
}


@dataclass
class AdoptLine:
    publication_id: int
    item_id: str
    account_id: str
    channel: str
    outcome: str  # found | absent | unknown | released | error
    remote_id: str | None = None
    url: str | None = None
    note: str = ""

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def to_dict(self) -> dict:
        return {**self.__dict__, "label": self.label}


@dataclass
class AdoptReport:
    dry_run: bool
    lines: list[AdoptLine] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)  # accounts whose hold ended
    still_held: list[str] = field(default_factory=list)  # accounts still holding rows back

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)


def adopt(runtime: Runtime, *, dry_run: bool = False, catch_up: bool = False,
          account_id: str | None = None) -> AdoptReport:
    ledger = runtime.ledger
    report = AdoptReport(dry_run=dry_run)
    rows: dict[str, list[Publication]] = defaultdict(list)
    for pub in ledger.held(account_id):
        rows[pub.account_id].append(pub)
    for account, held in sorted(rows.items()):
        report.lines += _settle_account(runtime, account, held, dry_run=dry_run, catch_up=catch_up)
    ident = ledger.identity()
    for account in sorted(ident.holds() if ident else {}):
        if account_id and account != account_id:
            continue
        if any(line.account_id == account and line.outcome not in ("found", "released") for line in report.lines):
            report.still_held.append(account)
            continue
        report.cleared.append(account)
        if not dry_run:
            ledger.clear_hold(account, reason="补发" if catch_up else "已与平台核对")
    return report


def _settle_account(runtime: Runtime, account: str, held: list[Publication], *, dry_run: bool,
                    catch_up: bool) -> list[AdoptLine]:
    lines: list[AdoptLine] = []
    renditions, channel, problem = {}, None, ""
    try:
        for pub in held:
            item, matrix = runtime.load_version(pub.item_id, pub.item_version_id)
            channel = runtime.channel(matrix, account)
            renditions[pub.id] = channel.render(item)
        found = channel.find_existing(list(renditions.values()), runtime.state) if channel else None
        outcome_missing = "absent" if found is not None else "unknown"
    except (ChannelError, LookupError, OSError) as exc:
        found, outcome_missing, problem = None, "error", str(exc)
    for pub in held:
        existing = (found or {}).get(pub.item_id)
        line = AdoptLine(pub.id, pub.item_id, account, pub.channel, "found" if existing else outcome_missing,
                         note=problem)
        if existing is not None:
            line.remote_id, line.url = existing.remote_id, existing.url
            if not dry_run:
                runtime.ledger.adopt_published(pub.id, existing.remote_id, existing.url, existing.phases,
                                               published_at=existing.published_at)
        elif catch_up:
            line.outcome = "released"
            if not dry_run:
                runtime.ledger.release_held(pub.id)
        lines.append(line)
    return lines
