"""`publisher log ITEM` as sentences: what happened to an item, in time order, in Chinese.

The audit trail keeps machine details (states, phases, hashes); an editor reads "已在 滨江数据
发布成功" rather than `published {"remote_id": …}`. Automated actors (workers, the planner,
recovery) show as 系统; people show by their login name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from publisher.ledger import AuditEntry, State, state_label

# Steps the channels record on the way (their own names; unknown ones are shown as they are).
PHASES = {
    "images": "正文图片已上传",
    "cover": "封面图片已上传",
    "draft": "草稿已保存到平台",
    "submitting": "正在提交发布",
    "submit": "平台已受理发布",
    "submitted": "平台已受理发布",
    "posted": "平台已收到并发出",
    "awaiting_status": "等待平台返回发布结果",
    "sharing": "正在发送",
    "published": "平台确认已发布",
    "deploy": "网站页面已写出",
    "written": "网站页面已写出",
}
_UNCLAIM = {"frozen": "发布已冻结", "paused": "账号暂停发布"}
_RECOVER = {"stale_claim": "派发后长时间未开始", "worker_lost_unsent": "发布进程中断且未发出任何请求"}
_SYSTEM_ACTORS = ("planner", "system", "recovery", "worker", "dispatcher")


@dataclass(frozen=True)
class LogLine:
    at: str
    text: str
    actor: str


def who(actor: str) -> str:
    automated = actor in _SYSTEM_ACTORS or any(c in actor for c in ":@/")
    return "系统" if automated else actor


def _changes(detail: dict, tz: ZoneInfo) -> str:
    parts = []
    if detail.get("scheduled_at"):
        try:
            when = datetime.fromisoformat(str(detail["scheduled_at"])).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            when = str(detail["scheduled_at"])
        parts.append(f"发布时间 {when}")
    if detail.get("blocked_reason"):
        parts.append(f"受阻原因：{detail['blocked_reason']}")
    elif "blocked_reason" in detail:
        parts.append("已解除受阻")
    if "rendition_hash" in detail:
        parts.append("内容有改动")
    return "，".join(parts)


def sentence(entry: AuditEntry, account: str, tz: ZoneInfo) -> str:
    d, event = entry.detail, entry.event
    message = d.get("message") or ""
    if event == "create":
        if entry.to_state is State.BLOCKED:
            return f"为 {account} 建立发布记录，但受阻：{d.get('blocked_reason') or '未通过检查'}"
        when = _changes({"scheduled_at": d.get("scheduled_at")}, tz)
        return f"为 {account} 排期" + (f"（{when}）" if when else "")
    if event == "update":
        changed = _changes(d, tz)
        return f"稿件有新版本，更新了 {account} 的发布记录" + (f"：{changed}" if changed else "")
    if event == "republish":
        return f"要求在 {account} 重新发布" + (f"（{d['reason']}）" if d.get("reason") else "")
    if event == "claim":
        return f"到了发布时间，发往 {account} 的任务已派发"
    if event == "start":
        return f"开始向 {account} 发布"
    if event == "phase":
        phase = str(d.get("phase", ""))
        return f"{account}：{PHASES.get(phase, phase)}"
    if event == "published":
        return f"已在 {account} 发布成功" + (f"，链接 {d['url']}" if d.get("url") else "")
    if event == "requeue":
        return f"发往 {account} 暂未成功，稍后自动重试：{message}"
    if event == "failed":
        return f"发往 {account} 失败：{message}"
    if event == "unconfirmed":
        return f"发往 {account} 的结果未确认（{message}），请到平台核实"
    if event == "recover":
        if entry.to_state is State.UNCONFIRMED:
            return f"发布进程中断，发往 {account} 的请求可能已发出，记为结果未确认"
        return f"发往 {account} 的任务已收回并重新排期（{_RECOVER.get(d.get('reason', ''), '进程失联')}）"
    if event == "unclaim":
        return f"发往 {account} 的任务退回排期（{_UNCLAIM.get(d.get('reason', ''), d.get('reason', ''))}）"
    if event == "cancel":
        return f"取消了发往 {account} 的发布" + (f"（{d['reason']}）" if d.get("reason") else "")
    if event == "retry":
        return f"重新排期了发往 {account} 的发布" + (f"（{d['reason']}）" if d.get("reason") else "")
    if event == "reconciled":
        if d.get("found") is False:
            return f"与平台核对：{account} 上没有这条稿件（{message}）"
        return f"与平台核对：{account} 上已发布" + (f"，链接 {d['url']}" if d.get("url") else "")
    if event == "retract":
        return f"开始从 {account} 撤稿" + (f"（{d['reason']}）" if d.get("reason") else "")
    if event == "retracted":
        return f"已从 {account} 撤稿"
    if event == "retract_failed":
        return f"从 {account} 撤稿失败：{message}"
    change = ""
    if entry.to_state and entry.from_state != entry.to_state:
        change = f"：{state_label(entry.from_state) if entry.from_state else '无'} → {state_label(entry.to_state)}"
    return f"{account} {event}{change}"


def log_lines(
    entries: list[AuditEntry], accounts: dict[int, str], tz: ZoneInfo
) -> list[LogLine]:
    """One line per audit row, oldest first. `accounts` maps publication id → account label."""
    ordered = sorted(entries, key=lambda e: (e.at, e.id))
    return [
        LogLine(
            at=_local(e.at, tz),
            text=sentence(e, accounts.get(e.publication_id or -1, "全部账号"), tz),
            actor=who(e.actor),
        )
        for e in ordered
    ]


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
