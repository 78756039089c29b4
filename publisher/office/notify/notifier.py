"""One notification pass: read events, queue them per target (once), deliver what is due.

    report = notify_once(runtime)          # `publisher run`, the Celery beat task, `notify run`

Never on the publishing path (DESIGN.md, decision 11): the pass reads the ledger and writes only
the outbox; `publisher run` runs it on its own thread, Celery as its own task, so a slow mail
server or a throttled robot never holds a publication back.

Delivery rules:
- each target's own budget (`per_minute`, default 18 < the robots' 20) is counted in the shared
  state, so every worker respects one budget; over it, the row waits for the next window;
- a "too many" answer (企业微信 45009, 钉钉 130101, HTTP 429, SMTP 421/45x) delays the row by
  the time asked, and is never counted as a failure: rate limits delay, never drop;
- any other failure is retried with a growing pause (30 s, 1 min, 2 min … 30 min) up to
  `[notify] max_attempts`, then the row is kept as failed (`publisher notify status` shows it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from publisher.content.notifications import NotifyTarget
from publisher.office.notify.errors import RateLimited, SendError
from publisher.office.notify.events import collect
from publisher.office.notify.message import Event, Message

if TYPE_CHECKING:
    from publisher.content.matrix import Matrix
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
BACKOFF_BASE, BACKOFF_MAX = 30.0, 1800.0


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


def sender_for(target: NotifyTarget) -> Sender:
    from publisher.office.notify.mail import MailSender
    from publisher.office.notify.robots import DingTalkRobot, WeComRobot

    return {"email": MailSender, "wecom": WeComRobot, "dingtalk": DingTalkRobot}[target.kind](target)


@dataclass
class NotifyReport:
    events: int = 0
    queued: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def enqueue(runtime: Runtime, matrix: Matrix, events: list[Event], now: datetime) -> int:
    queued = 0
    for event in events:
        for target in matrix.notify.targets_for(event.kind):
            if runtime.ledger.enqueue_notice(
                event.key, target.id, event.kind, event.message.to_dict(), item_id=event.item_id, now=now
            ):
                queued += 1
    return queued


def deliver(runtime: Runtime, matrix: Matrix, report: NotifyReport, *, limit: int = 50) -> None:
    """Send what is due now, within each target's budget."""
    ledger, worker = runtime.ledger, runtime.worker_name()
    targets = {t.id: t for t in matrix.notify.targets}
    now = runtime.now()
    for notice in ledger.claim_notices(now, worker, limit=limit):
        target = targets.get(notice.target_id)
        if target is None:
            ledger.notice_retry(notice.id, worker, now, "通知对象已从 publisher.toml 中删除", give_up=True)
            report.failed += 1
            continue
        used = runtime.state.incr_window(f"notify:rate:{target.id}", WINDOW_SECONDS)
        if used > target.per_minute:
            ledger.notice_defer(notice.id, worker, now + timedelta(seconds=10), "本分钟发送条数已达上限，稍后发送")
            report.deferred += 1
            continue
        try:
            sender_for(target).send(Message.from_dict(notice.message))
        except RateLimited as exc:
            until = runtime.now() + timedelta(seconds=exc.retry_after)
            ledger.notice_defer(notice.id, worker, until, str(exc))
            report.deferred += 1
            log.info("通知 %s 发往 %s 被限流，%s 后再发", notice.id, target.id, until)
        except SendError as exc:
            attempts = notice.attempts + 1
            give_up = attempts >= matrix.notify.max_attempts
            pause = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempts - 1))
            ledger.notice_retry(notice.id, worker, runtime.now() + timedelta(seconds=pause), str(exc), give_up=give_up)
            report.failed += 1
            report.errors.append(f"{target.id}：{exc}")
            log.warning("通知 %s 发往 %s 失败（第 %d 次）：%s", notice.id, target.id, attempts, exc)
        else:
            ledger.notice_sent(notice.id, worker, now=runtime.now())
            report.sent += 1


def notify_once(
    runtime: Runtime, matrix: Matrix | None = None, *, root: Path | None = None, send: bool = True
) -> NotifyReport:
    """Collect, queue and (unless `send` is False) deliver. Without `matrix`, `publisher.toml`
    is read from `root`, by default the copy the last accepted sync kept
    (`publisher.content.in_force`), each time, so a committed edit takes effect at the next pass
    and a broken one never stops notifications. Never raises for a bad config or a failed send: it logs, so a loop keeps going."""
    from publisher.content.in_force import matrix_in_force
    from publisher.content.matrix import MatrixError, load_matrix

    report = NotifyReport()
    if matrix is None:
        try:
            settings = runtime.settings  # the last accepted configuration, not a broken working tree
            matrix = load_matrix(root) if root else matrix_in_force(settings.state_dir, settings.content_dir)
        except MatrixError as exc:
            report.errors.append(str(exc))
            log.error("通知：无法读取 publisher.toml：%s", exc)
            return report
    if not matrix.notify.targets:
        return report
    now = runtime.now()
    events = collect(runtime.ledger, matrix, now, runtime.settings.state_dir)
    report.events = len(events)
    report.queued = enqueue(runtime, matrix, events, now)
    if send:
        deliver(runtime, matrix, report)
    return report


def send_test(matrix: Matrix, now: datetime) -> list[tuple[NotifyTarget, str | None]]:
    """`publisher notify test`: one test message to every target, straight away (no outbox).
    Returns each target with None (sent) or the reason it failed."""
    tz = matrix.tz
    message = Message(
        event="test",
        title="通知测试",
        item="publisher notify test",
        reason=f"这是一条测试消息，发送时间 {now.astimezone(tz):%Y-%m-%d %H:%M}",
        fix="无需处理；收到即说明通知配置正确",
    )
    results: list[tuple[NotifyTarget, str | None]] = []
    for target in matrix.notify.targets:
        try:
            sender_for(target).send(message)
            results.append((target, None))
        except SendError as exc:
            results.append((target, str(exc)))
    return results


class NotifyLoopSettings(BaseSettings):
    """How often the notifier runs (`PUBLISHER_NOTIFY_SECONDS`; 0 switches it off)."""

    model_config = SettingsConfigDict(
        env_prefix="PUBLISHER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    notify_seconds: float = Field(30.0, ge=0, description="how often notifications are collected and sent")
