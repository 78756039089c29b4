"""What one account holds as published right now, read from the ledger (DESIGN decision 8).

A rebuild of an account's whole output (the site's pages) is a function of the ledger, never of
the content files: an item is live when the latest of its rows that went out (published,
retracting, retracted) is still `published`, and its planned version has not expired. Blocked,
scheduled, cancelled and retracted rows never count, so nothing the checks held back, nothing
retracted and nothing that came due during a freeze (the dispatcher never claimed it) can appear.
Each live item is the frozen version the ledger recorded, not the file as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from publisher.content.model import ContentItem
from publisher.content.versions import VersionMissing, load_version
from publisher.ledger import Ledger, Publication, State

WENT_OUT = (State.PUBLISHED, State.RETRACTING, State.RETRACTED)


@dataclass
class LiveSet:
    items: list[ContentItem] = field(default_factory=list)
    rows: dict[str, Publication] = field(default_factory=dict)  # item id → the row that put it there
    expired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # in Chinese, for the operator


def live_rows(ledger: Ledger, account_id: str) -> dict[str, Publication]:
    """Item id → its published row, for every item whose latest row that went out is published."""
    latest: dict[str, Publication] = {}
    for row in ledger.publications(account_id=account_id, state=WENT_OUT):
        latest[row.item_id] = row  # rows come oldest first: the last one wins
    return {item_id: row for item_id, row in latest.items() if row.state is State.PUBLISHED}


def live_items(ledger: Ledger, state_dir: Path, account_id: str, now: datetime) -> LiveSet:
    """The versions the ledger holds as published on `account_id` and not expired at `now`."""
    result = LiveSet()
    for item_id, row in sorted(live_rows(ledger, account_id).items()):
        version = ledger.item_version(row.item_version_id)
        if version is None:
            result.problems.append(f"已跳过条目 {item_id}：台账中找不到它的版本 {row.item_version_id}")
            continue
        try:
            item, _matrix = load_version(state_dir, version.source_hash, item_id)
        except VersionMissing as exc:
            result.problems.append(f"已跳过条目 {item_id}：{exc}")
            continue
        expire_at = item.meta.expire_at
        if expire_at is not None and expire_at <= now:
            result.expired.append(item_id)
            continue
        result.items.append(item)
        result.rows[item_id] = row
    return result


def stopped_by_freeze(ledger: Ledger, account_id: str) -> str | None:
    """The reason of the freeze covering `account_id` (global or its own), or None."""
    frozen = ledger.frozen_state()
    freeze = frozen.global_freeze or frozen.accounts.get(account_id)
    if freeze is None:
        return None
    return freeze.reason or "已停发"
