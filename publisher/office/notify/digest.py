"""The daily digest: what went out in the last day, what is coming, what waits for a person.

Sent once a day, at `[notify] digest_at` in the matrix's time zone (key: the date). A process
that starts after that time on a day that had no digest yet sends it then: late beats never.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger, State, state_label
from publisher.office.notify.message import Event, Message

_PROBLEMS = {
    State.BLOCKED: "publisher status --state blocked",
    State.FAILED: "publisher status --state failed",
    State.UNCONFIRMED: "publisher status --state unconfirmed",
}


def digest_due(matrix: Matrix, now: datetime) -> bool:
    hour, minute = (int(x) for x in matrix.notify.digest_at.split(":"))
    local = now.astimezone(matrix.tz)
    return (local.hour, local.minute) >= (hour, minute)


def build_digest(ledger: Ledger, matrix: Matrix, now: datetime) -> Message:
    tz = matrix.tz
    rows = ledger.publications()
    day_ago, day_ahead = now - timedelta(days=1), now + timedelta(days=1)
    published = [r for r in rows if r.state is State.PUBLISHED and r.published_at and r.published_at >= day_ago]
    coming = [r for r in rows if r.state is State.SCHEDULED and now <= r.scheduled_at <= day_ahead]
    waiting = Counter(r.state for r in rows if r.state in _PROBLEMS)
    per_account = Counter(r.account_id for r in published)

    lines = [f"过去 24 小时已发布 {len(published)} 条"
             + ("：" + "，".join(f"{_name(matrix, a)} {n}" for a, n in sorted(per_account.items())) if per_account else "")]  # fmt: skip
    lines.append(f"未来 24 小时排期 {len(coming)} 条")
    for state, command in _PROBLEMS.items():
        if waiting[state]:
            lines.append(f"{state_label(state)} {waiting[state]} 条，查看：{command}")
    frozen = ledger.frozen_state()
    if frozen.global_freeze:
        lines.append(f"全部发布处于冻结中：{frozen.global_freeze.reason or '未说明原因'}（publisher unfreeze 解冻）")
    for account in sorted(frozen.accounts):
        lines.append(f"账号 {_name(matrix, account)} 处于冻结中")
    for pause in ledger.account_pauses(now=now):
        until = pause.paused_until.astimezone(tz).strftime("%m-%d %H:%M") if pause.paused_until else ""
        lines.append(f"账号 {_name(matrix, pause.account_id)} 暂停到 {until}：{pause.pause_reason or ''}")
    problems = sum(waiting.values())
    return Message(
        event="digest",
        title=f"发布日报 {now.astimezone(tz):%Y-%m-%d}",
        item="全部账号",
        reason=f"{problems} 条稿件需要处理" if problems else "没有需要处理的稿件",
        fix="publisher status" if problems else "",
        lines=lines,
    )


def _name(matrix: Matrix, account_id: str) -> str:
    account = matrix.account(account_id)
    return account.name if account else account_id


def digest_event(ledger: Ledger, matrix: Matrix, now: datetime) -> Event | None:
    if not any("digest" in t.events for t in matrix.notify.targets) or not digest_due(matrix, now):
        return None
    day = now.astimezone(matrix.tz).date().isoformat()
    if ledger.known_notice_keys(f"digest:{day}"):
        return None  # already queued today: spare the work of building it again
    return Event(f"digest:{day}", "digest", build_digest(ledger, matrix, now))
