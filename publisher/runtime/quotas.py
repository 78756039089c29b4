"""Per-account posting budgets shared by every worker (DESIGN.md, decision 5).

Celery's `rate_limit` counts per worker process, so sixteen processes would post sixteen times
the allowed rate. The budget lives in the shared state instead (Redis for Celery workers, the
ledger database for `publisher run`), and one publish attempt takes one unit before it talks to
the channel. An exhausted budget is not an error of the publication: the caller pauses the
account until the budget refills and puts the publication back in the schedule.

Each channel states its platform's default budget (`Channel.default_quota`, e.g. 100 a day,
reset at midnight Beijing time); a channel whose adapter counts its own rate window in the same
shared state declares none, so nothing is counted twice. Overrides per channel or per account
come from `PUBLISHER_QUOTAS` (JSON), e.g. `{"<channel>": {"per_day": 500}, "<account>":
{"per_hour": 20, "per_day": 100}}`; 0 switches a limit off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from channels.base import SharedState
from channels.registry import channel_class

# Platform quotas that reset at a calendar boundary follow Beijing time, whatever the office's zone.
PLATFORM_TZ = ZoneInfo("Asia/Shanghai")



@dataclass(frozen=True)
class QuotaVerdict:
    """The answer to "may this account post now?"; `reset_at` says when to try again if not."""

    allowed: bool
    reset_at: datetime | None = None
    reason: str = ""


def limits_for(channel: str, account_id: str, overrides: dict[str, Any] | None = None) -> dict[str, int]:
    """The limits that apply: built-in channel defaults, then channel overrides, then account."""
    overrides = overrides or {}
    cls = channel_class(channel)
    merged = dict(cls.default_quota if cls is not None else {})
    merged.update(overrides.get(channel) or {})
    merged.update(overrides.get(account_id) or {})
    # A limit of 0 or less switches that limit off (useful for sandboxes and load tests).
    return {k: int(v) for k, v in merged.items() if int(v) > 0}


def next_platform_midnight(now: datetime) -> datetime:
    local = now.astimezone(PLATFORM_TZ)
    tomorrow = (local + timedelta(days=1)).date()
    return datetime.combine(tomorrow, datetime.min.time(), tzinfo=PLATFORM_TZ)


class AccountQuotas:
    """Takes one unit of every budget of an account, or says when the account may post again.

    Counting uses `SharedState.incr_window`, which counts the attempt even when it is refused;
    that is why a refusal pauses the account for a whole window: by the time the pause ends,
    every counted event, the refused one included, has left the window.
    """

    def __init__(self, state: SharedState, overrides: dict[str, Any] | None = None):
        self.state = state
        self.overrides = overrides or {}

    def take(self, channel: str, account_id: str, now: datetime) -> QuotaVerdict:
        limits = limits_for(channel, account_id, self.overrides)
        per_hour = limits.get("per_hour")
        if per_hour is not None:
            used = self.state.incr_window(f"quota:{account_id}:hour", 3600.0)
            if used > per_hour:
                return QuotaVerdict(
                    False,
                    now + timedelta(hours=1),
                    f"账号一小时内已发布 {per_hour} 条，达到平台频次上限",
                )
        per_day = limits.get("per_day")
        if per_day is not None:
            day = now.astimezone(PLATFORM_TZ).strftime("%Y%m%d")
            # A two-day window on a per-day key: the key changes at midnight, the old one expires.
            used = self.state.incr_window(f"quota:{account_id}:day:{day}", 2 * 86400.0)
            if used > per_day:
                return QuotaVerdict(
                    False,
                    next_platform_midnight(now),
                    f"账号今日已发布 {per_day} 条，达到平台每日上限",
                )
        return QuotaVerdict(True)
