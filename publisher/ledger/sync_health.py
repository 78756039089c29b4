"""What the last sync of the content repo found: kept in the ledger so that `status`, the
dashboard and every process see it, whichever process synced (a Celery worker, `publisher run`).

One record, rewritten by each sync: whether the commit was used or refused (a broken
publisher.toml, an account on a channel that is not installed, a repo git will not open), the
last commit that was used, and the items that could not be read, each with its file and line.
It lives in `shared_state` under one key: a small document replaced as a whole, not history
(the audit log and the notifications hold history), so it needs no table of its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import select

from publisher.ledger.core import LedgerCore
from publisher.ledger.schema import shared_state

KEY = "sync:health"


@dataclass
class Problem:
    """One problem as an editor reads it: the file in the content repo, its line, what is wrong."""

    path: str
    line: int | None
    code: str
    message: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class SyncHealth:
    checked_at: datetime
    commit: str | None  # the commit this sync looked at (None: a plain folder, or unreadable)
    refused: list[Problem] = field(default_factory=list)  # why that commit is not used
    load_errors: list[Problem] = field(default_factory=list)  # items (files) that could not be read
    last_good_commit: str | None = None
    last_good_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.refused

    def refusal_text(self) -> str:
        """The operator's sentence for a refused sync: what, where, what runs meanwhile, the fix."""
        if self.ok:
            return ""
        source = [p for p in self.refused if p.code == "source-refused"]
        if source:
            head = "无法读取内容库，本次同步未进行"
        else:
            head = (f"内容库提交 {self.commit[:10]} 的配置有误，未采用" if self.commit
                    else "内容库的配置有误，未采用")  # fmt: skip
        if self.last_good_commit:
            keep = f"继续按上一次可用的提交 {self.last_good_commit[:10]} 的配置和内容发布"
        elif self.last_good_at:
            keep = "继续按上一次可用的配置和内容发布"
        else:
            keep = "此前没有可用的配置，暂不排期新内容（已排期的稿件照常发布）"
        lines = [f"{head}；{keep}。"]
        lines += [p.message if p.code == "source-refused" else f"  {p.location}：{p.message}" for p in self.refused]
        if not source:
            lines.append("处理：改正上述文件并提交（推送）后，下一次同步自动恢复。")
        return "\n".join(lines)

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("checked_at", "last_good_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> SyncHealth:
        data = json.loads(text)
        for key in ("checked_at", "last_good_at"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        for key in ("refused", "load_errors"):
            data[key] = [Problem(**p) for p in data.get(key) or []]
        return cls(**data)


class SyncHealthMixin(LedgerCore):
    def record_sync_health(self, health: SyncHealth) -> None:
        values = {"value": health.to_json(), "expires_at": None}
        stmt = self._upsert(shared_state).values(key=KEY, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[shared_state.c.key], set_=values)
        with self._write() as conn:
            conn.execute(stmt)

    def sync_health(self) -> SyncHealth | None:
        """The last sync's record, or None before the first sync."""
        with self._read() as conn:
            text = conn.execute(select(shared_state.c.value).where(shared_state.c.key == KEY)).scalar_one_or_none()
        if not text:
            return None
        try:
            return SyncHealth.from_json(text)
        except (ValueError, TypeError, KeyError):  # written by another version: as if never synced
            return None
