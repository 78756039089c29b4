"""What the ledger hands out: plain frozen values, never live ORM objects.

Tasks carry publication ids and re-read the row (DESIGN.md, decision 1); a value that cannot be
mutated cannot be mistaken for the current truth of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from publisher.ledger.states import State


@dataclass(frozen=True)
class Publication:
    id: int
    item_id: str
    item_version_id: int
    channel: str
    account_id: str
    rendition_hash: str
    state: State
    scheduled_at: datetime
    attempts: int
    phases: dict[str, Any]
    remote_id: str | None
    url: str | None
    last_error_code: str | None
    last_error_message: str | None
    not_before: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    manual: bool
    blocked_reason: str | None
    # The planned version's source hash, filled only by `start` (it comes back in the same
    # UPDATE … RETURNING, so the publish path needs no read of `item_versions`); None elsewhere.
    version_hash: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: RowMapping) -> Publication:
        data = dict(row)
        data["state"] = State(data["state"])
        data["phases"] = dict(data["phases"] or {})
        data["manual"] = bool(data["manual"])
        return cls(**data)

    @property
    def idempotency_key(self) -> str:
        """Stable per publication; sent with every channel request that accepts one."""
        return f"pub-{self.id}"


@dataclass(frozen=True)
class ItemVersion:
    id: int
    item_id: str
    source_hash: str
    commit: str | None
    title: str
    department: str | None
    publish_at: datetime | None
    expire_at: datetime | None
    draft: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> ItemVersion:
        data = dict(row)
        data["draft"] = bool(data["draft"])
        return cls(**data)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    publication_id: int | None
    item_id: str | None
    event: str
    from_state: State | None
    to_state: State | None
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: RowMapping) -> AuditEntry:
        data = dict(row)
        data["from_state"] = State(data["from_state"]) if data["from_state"] else None
        data["to_state"] = State(data["to_state"]) if data["to_state"] else None
        data["detail"] = dict(data["detail"] or {})
        return cls(**data)


@dataclass(frozen=True)
class Freeze:
    """One freeze switch: `account_id` None is the global one."""

    account_id: str | None
    frozen: bool
    reason: str | None
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class FrozenState:
    """Every freeze switch that is on right now."""

    global_freeze: Freeze | None
    accounts: dict[str, Freeze]

    @property
    def any(self) -> bool:
        return self.global_freeze is not None or bool(self.accounts)

    def blocks(self, account_id: str) -> bool:
        return self.global_freeze is not None or account_id in self.accounts


@dataclass(frozen=True)
class AccountPause:
    account_id: str
    paused_until: datetime | None
    pause_reason: str | None
    updated_at: datetime
