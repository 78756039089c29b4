"""What is worth telling, read from the ledger (and the saved inspection result).

Each event has a key that names it for good: the audit row it came from, or the item version and
reason of a block, or the day of a digest. The outbox is unique on (key, target), so however
often this runs, on however many workers, an event is queued once per target.

    blocked         item blocked (failing checks, missing sign-off) within N hours of its time
    failed          a publication moved to failed           (audit row → key)
    unconfirmed     a publication moved to unconfirmed      (audit row → key)
                    (failed / unconfirmed rows already resolved when seen — reconciled with
                    the channel, retried by an editor — are not told: nobody must act)
    account-paused  token expired, secret missing, quota    (account, reason, day → key)
    silence         an account N days from the 14-day line  (account, last post → key)
    broken-links    inspection found broken links or images (the set of broken targets → key)
    freeze          freeze and unfreeze                     (audit row → key)
    digest          the daily digest                        (day → key)

Events older than `LOOKBACK` are not told: a ledger that gets notifications configured late does
not flood the group with last month's history.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger, Publication, State
from publisher.office.notify.digest import digest_event
from publisher.office.notify.message import Event, Message
from publisher.office.status import fix_command

LOOKBACK = timedelta(hours=24)
STALE_DAYS = 14  # the national rule: no update in two weeks is a 僵尸号


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _local(value: datetime, matrix: Matrix) -> str:
    return value.astimezone(matrix.tz).strftime("%m-%d %H:%M")


def _account_label(matrix: Matrix, account_id: str) -> str:
    account = matrix.account(account_id)
    return f"{account.name}（{account_id}）" if account else account_id


def _title(ledger: Ledger, pub: Publication, cache: dict[int, str]) -> str:
    if pub.item_version_id not in cache:
        version = ledger.item_version(pub.item_version_id)
        cache[pub.item_version_id] = version.title if version else pub.item_id
    return cache[pub.item_version_id]


def blocked_events(ledger: Ledger, matrix: Matrix, now: datetime, titles: dict[int, str]) -> list[Event]:
    hours = matrix.notify.blocked_within_hours
    groups: dict[tuple[str, int, str], list[Publication]] = {}
    for pub in ledger.publications(state=State.BLOCKED):
        if now - LOOKBACK <= pub.scheduled_at <= now + timedelta(hours=hours):
            groups.setdefault((pub.item_id, pub.item_version_id, pub.blocked_reason or ""), []).append(pub)
    events = []
    for (item_id, version_id, reason), pubs in groups.items():
        first = pubs[0]
        left = first.scheduled_at - now
        when = _local(first.scheduled_at, matrix)
        timing = (f"计划 {when} 发布，还有 {int(left.total_seconds() // 3600)} 小时 "
                  f"{int(left.total_seconds() % 3600 // 60)} 分" if left.total_seconds() > 0
                  else f"计划 {when} 发布，已过时间仍未发出")  # fmt: skip
        message = Message(
            event="blocked",
            title=f"稿件受阻：{_title(ledger, first, titles)}",
            item=item_id,
            reason=reason or "未通过发布前检查",
            fix=fix_command(first),
            lines=[timing, "涉及账号：" + "、".join(_account_label(matrix, p.account_id) for p in pubs)],
        )
        key = f"blocked:{item_id}:{version_id}:{_digest(reason)}"
        events.append(Event(key, "blocked", message, item_id))
    return events


def publication_events(ledger: Ledger, matrix: Matrix, now: datetime, titles: dict[int, str]) -> list[Event]:
    events = []
    entries = ledger.audit_since(now - LOOKBACK, to_states=[State.FAILED.value, State.UNCONFIRMED.value])
    for entry in entries:
        if entry.publication_id is None or entry.from_state == entry.to_state:
            continue
        pub = ledger.get(entry.publication_id)
        if pub is None or pub.state is not entry.to_state:
            continue  # resolved before anyone was told (reconciled, retried): nobody must act
        state = entry.to_state
        kind = "failed" if state is State.FAILED else "unconfirmed"
        head = "发布失败" if kind == "failed" else "发布结果未确认"
        lines = [f"渠道账号：{_account_label(matrix, pub.account_id)}", f"发生时间：{_local(entry.at, matrix)}"]
        if kind == "unconfirmed":
            lines.append("请求可能已到达平台：系统不会自动重发，以免重复发布")
        message = Message(
            event=kind,
            title=f"{head}：{_title(ledger, pub, titles)}",
            item=f"{pub.item_id} → {pub.account_id}",
            reason=str(entry.detail.get("message") or pub.last_error_message or "渠道未说明原因"),
            fix=fix_command(pub),
            lines=lines,
        )
        events.append(Event(f"{kind}:{entry.id}", kind, message, pub.item_id))
    return events


def control_events(ledger: Ledger, matrix: Matrix, now: datetime) -> list[Event]:
    events = []
    for entry in ledger.audit_since(now - LOOKBACK, events=["pause", "freeze", "unfreeze"]):
        account = entry.detail.get("account_id")
        reason = entry.detail.get("reason") or "未说明原因"
        if entry.event == "pause":
            until = entry.detail.get("until")
            until_text = _local(datetime.fromisoformat(until), matrix) if until else "另行通知"
            day = entry.at.astimezone(matrix.tz).date().isoformat()
            message = Message(
                event="account-paused",
                title=f"账号暂停发布：{_account_label(matrix, account)}",
                item=str(account),
                reason=reason,
                fix=(f"令牌过期或密钥缺失：重新授权（或设置密钥）后运行 publisher unfreeze --account {account}；"
                     "配额用尽：到期自动恢复"),  # fmt: skip
                lines=[f"暂停到 {until_text}，期间该账号的稿件等待，不会丢失"],
            )
            events.append(Event(f"pause:{account}:{_digest(reason)}:{day}", "account-paused", message))
            continue
        scope = f"账号 {_account_label(matrix, account)}" if account else "全部账号"
        if entry.event == "freeze":
            message = Message(
                event="freeze", title=f"已冻结发布：{scope}", item=scope, reason=reason,
                fix="publisher unfreeze" + (f" --account {account}" if account else ""),
                lines=[f"操作人：{entry.actor}，时间：{_local(entry.at, matrix)}", "进行中的发布会完成，不再派发新的稿件"],
            )  # fmt: skip
        else:
            message = Message(
                event="freeze", title=f"已解除冻结：{scope}", item=scope,
                reason=entry.detail.get("reason") or "编辑解除冻结", fix="publisher status（查看恢复后的排期）",
                lines=[f"操作人：{entry.actor}，时间：{_local(entry.at, matrix)}", "到期稿件将继续发布"],
            )  # fmt: skip
        events.append(Event(f"{entry.event}:{entry.id}", "freeze", message))
    return events


def silence_events(ledger: Ledger, matrix: Matrix, now: datetime) -> list[Event]:
    from publisher.office.inspection.accounts import judged_as_account, last_published

    warn_day = matrix.notify.silence_day or matrix.inspection.warn_days
    stale = matrix.inspection.stale_days or STALE_DAYS
    latest = last_published(ledger)
    events = []
    for account in matrix.accounts:
        when = latest.get(account.id)
        if not judged_as_account(account.channel) or when is None:
            continue
        days = (now - when).days
        if days < warn_day:
            continue
        left = stale - days
        reason = (f"已 {days} 天未更新（最近一次发布 {_local(when, matrix)}），"
                  + (f"再过 {left} 天即超过 {stale} 天红线，被认定为“僵尸号”" if left > 0
                     else f"已超过 {stale} 天红线（单项否决）"))  # fmt: skip
        message = Message(
            event="silence", title=f"账号临近“僵尸号”红线：{_account_label(matrix, account.id)}",
            item=account.id, reason=reason,
            fix=f"尽快安排一条发往 {account.id} 的稿件（publisher plan 查看排期）",
        )  # fmt: skip
        events.append(Event(f"silence:{account.id}:{when.isoformat()}", "silence", message))
    return events


def link_events(state_dir: Path) -> list[Event]:
    from publisher.office.inspection.runner import RESULT_FILE

    path = state_dir / RESULT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    broken = [f for f in data.get("findings", []) if f.get("code") in ("link-broken", "image-missing")]
    if not broken:
        return []
    subjects = sorted({f"{f.get('where') or ''} → {f.get('subject')}" for f in broken})
    shown = subjects[:10] + ([f"另有 {len(subjects) - 10} 处"] if len(subjects) > 10 else [])
    message = Message(
        event="broken-links", title=f"网站发现 {len(subjects)} 处失效链接或图片",
        item="门户网站", reason=broken[0].get("message", "链接无法访问"),
        fix="修改引用它们的稿件后运行 publisher run；publisher inspect 查看全部",
        lines=shown,
    )  # fmt: skip
    return [Event(f"links:{_digest(chr(10).join(subjects))}", "broken-links", message)]


def collect(ledger: Ledger, matrix: Matrix, now: datetime, state_dir: Path) -> list[Event]:
    """Every event the configured targets might want, right now."""
    titles: dict[int, str] = {}
    events = blocked_events(ledger, matrix, now, titles)
    events += publication_events(ledger, matrix, now, titles)
    events += control_events(ledger, matrix, now)
    events += silence_events(ledger, matrix, now)
    events += link_events(state_dir)
    digest = digest_event(ledger, matrix, now)
    if digest is not None:
        events.append(digest)
    return events
