"""What `publisher status` shows: each publication's state in Chinese, its reason, and the
command that fixes it; freezes and paused accounts on top. Times in the configured zone."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from publisher.ledger import Ledger, Publication, State, state_label
from publisher.ledger.columns import utcnow
from publisher.ledger.identity import HELD_FIX, is_held
from publisher.office.holds import StopSwitches, pause_reason, pause_waits_for_person

HELD_LABEL = "暂缓"


@dataclass
class StatusRow:
    id: int
    item_id: str
    channel: str
    account_id: str
    state: str
    state_label: str
    scheduled_at: str
    updated_at: str
    attempts: int
    reason: str
    fix: str
    url: str
    held: bool = False  # scheduled, but its account is frozen or paused, or it waits to retry

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def fix_command(pub: Publication) -> str:
    """The command an editor runs next, for the states that wait for one."""
    target = f"{pub.item_id} --account {pub.account_id}"
    if is_held(pub):
        return HELD_FIX
    if pub.state is State.BLOCKED:
        return f"修改条目后运行 publisher check items/{pub.item_id}，再运行 publisher run"
    if pub.state is State.FAILED:
        if pub.last_error_code == "rendition-changed":
            return f"publisher run（重新同步）后 publisher retry {target}"
        return f"处理原因后运行 publisher retry {target}（或 publisher republish {target}）"
    if pub.state is State.UNCONFIRMED:
        return (f"先到平台核实：未发出则 publisher retry {target} --not-posted；"
                f"已发出则 publisher confirm {target} --url 文章链接")
    return ""


def reason_of(pub: Publication) -> str:
    if pub.state is State.BLOCKED:
        return pub.blocked_reason or ""
    if pub.state in (State.FAILED, State.UNCONFIRMED, State.SCHEDULED, State.PUBLISHED):
        return pub.last_error_message or ""
    if pub.state is State.PUBLISHING and "awaiting_status" in pub.phases:
        return "已提交，等待渠道返回发布结果"
    return ""


def status_rows(
    ledger: Ledger, tz: ZoneInfo, *, item_id: str | None = None, state: str | None = None
) -> list[StatusRow]:
    rows = ledger.publications(item_id=item_id, state=State(state) if state else None)
    switches = StopSwitches.read(ledger, utcnow())
    return [_with_hold(row, switches.hold(pub, tz)) for row, pub in zip(_plain_rows(rows, tz), rows, strict=True)]


def _with_hold(row: StatusRow, hold) -> StatusRow:
    if hold is None:
        return row
    row.held, row.state_label, row.reason, row.fix = True, HELD_LABEL, hold.reason, hold.fix
    return row


def _plain_rows(rows: list[Publication], tz: ZoneInfo) -> list[StatusRow]:
    return [
        StatusRow(
            id=p.id,
            item_id=p.item_id,
            channel=p.channel,
            account_id=p.account_id,
            state=p.state.value,
            state_label=state_label(p.state),
            scheduled_at=_when(p.scheduled_at, tz),
            updated_at=_when(p.updated_at, tz),
            attempts=p.attempts,
            reason=reason_of(p) if p.state is not State.PUBLISHED else "",
            fix=fix_command(p),
            url=p.url or "",
        )
        for p in rows
    ]


def controls(ledger: Ledger, tz: ZoneInfo) -> dict[str, Any]:
    """Freezes and paused accounts, as an editor reads them."""
    frozen = ledger.frozen_state()
    notes: list[str] = []
    if frozen.global_freeze:
        f = frozen.global_freeze
        notes.append(
            f"全部发布已冻结（{f.reason or '未说明原因'}；{f.changed_by} 于 {_when(f.changed_at, tz)}），"
            "解冻：publisher unfreeze"
        )
    for account, f in sorted(frozen.accounts.items()):
        notes.append(f"账号 {account} 已冻结（{f.reason or '未说明原因'}），解冻：publisher unfreeze --account {account}")
    for pause in ledger.account_pauses():
        if pause_waits_for_person(pause, utcnow()):  # "until 2036" would read as "nothing to do"
            notes.append(
                f"账号 {pause.account_id} 已暂停，等待处理：{pause_reason(pause)}"
                f"（处理后运行 publisher unfreeze --account {pause.account_id}）"
            )
            continue
        notes.append(
            f"账号 {pause.account_id} 暂停到 {_when(pause.paused_until, tz)}：{pause.pause_reason or ''}"
            f"（到期自动恢复；提前恢复：publisher unfreeze --account {pause.account_id}）"
        )
    return {
        "frozen": frozen.global_freeze is not None,
        "frozen_accounts": sorted(frozen.accounts),
        "paused_accounts": [p.account_id for p in ledger.account_pauses()],
        "notes": notes,
    }


def content_problems(ledger: Ledger, tz: ZoneInfo, item_id: str | None = None) -> dict[str, Any]:
    """What the last sync could not use: a refused commit (with what runs instead) and the files
    that could not be read, each with its place in the content repo."""
    health = ledger.sync_health()
    if health is None:
        return {"synced_at": None, "commit": None, "refused": "", "load_errors": []}
    prefix = f"items/{item_id}/" if item_id else ""
    errors = [p for p in health.load_errors if p.path.startswith(prefix)]
    return {
        "synced_at": _when(health.checked_at, tz),
        "commit": health.commit,
        "last_good_commit": health.last_good_commit,
        "refused": health.refusal_text(),
        "load_errors": [{"location": p.location, "path": p.path, "line": p.line, "code": p.code,
                         "message": p.message} for p in errors],  # fmt: skip
    }
