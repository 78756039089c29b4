"""Why a scheduled publication is not going out, and what fixes it.

A row stays `scheduled` while its account is frozen or paused (a missing secret or a refused
token pauses the account until someone acts; a used-up quota until its reset), or while it
waits out a retry backoff. The row itself carries no reason (only the row that met the error
does), so without this an editor sees 已排期 with nothing beside it and an account "paused
until 2036" somewhere else. Holds are read from the ledger's stop switches (`freezes`,
`account_status`) for every row at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from publisher.ledger import AccountPause, FrozenState, Ledger, Publication, State

# Longer than any quota window: a pause this long waits for a person (credentials), not a clock.
WAITS_FOR_PERSON = timedelta(days=30)
_FIX_IN_REASON = re.compile(r"（重新授权后运行 publisher unfreeze --account [^）]*）$")


@dataclass(frozen=True)
class Hold:
    reason: str
    fix: str


@dataclass(frozen=True)
class StopSwitches:
    frozen: FrozenState
    pauses: dict[str, AccountPause]
    now: datetime

    @classmethod
    def read(cls, ledger: Ledger, now: datetime) -> StopSwitches:
        return cls(ledger.frozen_state(), {p.account_id: p for p in ledger.account_pauses(now=now)}, now)

    def hold(self, pub: Publication, tz: ZoneInfo) -> Hold | None:
        """Why `pub` (a scheduled row) cannot go out now, or None."""
        if pub.state is not State.SCHEDULED:
            return None
        account = pub.account_id
        if self.frozen.global_freeze is not None:
            why = self.frozen.global_freeze.reason or "未说明原因"
            return Hold(f"全部发布已冻结（{why}）", "确认可以恢复后运行 publisher unfreeze")
        if account in self.frozen.accounts:
            why = self.frozen.accounts[account].reason or "未说明原因"
            return Hold(f"账号 {account} 已冻结（{why}）", f"确认可以恢复后运行 publisher unfreeze --account {account}")
        pause = self.pauses.get(account)
        if pause is not None and pause.paused_until is not None:
            why = pause_reason(pause)
            if pause_waits_for_person(pause, self.now):
                return Hold(
                    f"账号 {account} 已暂停，等待处理：{why}",
                    f"按原因处理（设置密钥环境变量、重新授权等）后运行 publisher unfreeze --account {account}",
                )
            until = pause.paused_until.astimezone(tz).strftime("%m-%d %H:%M")
            return Hold(f"账号 {account} 暂停到 {until}：{why}",
                        f"到时自动恢复；如需提前恢复：publisher unfreeze --account {account}")  # fmt: skip
        if pub.not_before is not None and pub.not_before > self.now:
            when = pub.not_before.astimezone(tz).strftime("%m-%d %H:%M")
            why = pub.last_error_message or "上次发送未成功"
            return Hold(f"{why}；{when} 自动重试", "无需操作，到时自动重试")
        return None


def pause_waits_for_person(pause: AccountPause, now: datetime) -> bool:
    """A pause set "for ten years" (credentials) ends when someone acts, not at its date."""
    return pause.paused_until is not None and pause.paused_until - now > WAITS_FOR_PERSON


def pause_reason(pause: AccountPause) -> str:
    """The pause's reason without the command the fix column shows anyway."""
    return _FIX_IN_REASON.sub("", pause.pause_reason or "").strip() or "未说明原因"
