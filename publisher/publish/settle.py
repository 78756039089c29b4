"""After the channel accepted a publication: settle its final state, now or by polling later.

Some platforms only say "job accepted"; the post exists once their status call says so,
seconds or hours later. Such a row stays `publishing` with an `awaiting_status` phase
(its `updated_at` refreshed at every poll, so stale-claim recovery leaves it alone) and the
dispatcher's poll step (`poll_awaiting`) asks again every `poll_seconds`.

Unconfirmed rows are reconciled the same way: `Channel.reconcile(receipt, ctx, rendition)` is
asked (None: it cannot tell, the row waits for an editor; state `ABSENT`: certainly never posted,
so the row goes back to the schedule).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from channels.base import ABSENT, PublishStatus, Receipt
from channels.errors import ChannelError, Transient
from publisher.ledger.states import IllegalTransition
from publisher.publish.context import LedgerPublishContext, PublishOutcome, context_for

if TYPE_CHECKING:
    from channels.base import Channel
    from publisher.ledger import Publication
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

AWAITING_PHASE = "awaiting_status"


def _outcome(publication_id: int, result: str, message: str = "") -> PublishOutcome:
    return PublishOutcome(publication_id, result, message)


def settle_status(pub: Publication, channel: Channel, ctx: LedgerPublishContext, receipt: Receipt,
                  runtime: Runtime) -> PublishOutcome:
    """Finish a row whose publish call returned: published now, or awaiting the channel."""
    if receipt.url or receipt.remote_id:
        return apply_status(pub, PublishStatus("published", receipt.url, receipt.remote_id), ctx, runtime)
    try:
        status = channel.status(receipt, ctx)
    except ChannelError as exc:
        # A status read is safe to repeat: the poll step asks again.
        log.info("发布记录 %s 状态暂不可查：%s", pub.id, exc)
        status = PublishStatus("publishing")
    return apply_status(pub, status, ctx, runtime)


def apply_status(pub: Publication, status: PublishStatus, ctx: LedgerPublishContext, runtime: Runtime) -> PublishOutcome:
    ledger, attempt = runtime.ledger, pub.attempts
    if status.state == "published":
        row = ledger.finish_published(
            pub.id, status.remote_id, status.url, attempt=attempt, now=runtime.now(), phases=ctx.take_notes()
        )
        return _outcome(pub.id, "published" if row else "skipped", status.url or "")
    if status.state == "publishing":
        now = runtime.now()
        following = now + timedelta(seconds=runtime.scheduling.poll_seconds)
        since = (pub.phases.get(AWAITING_PHASE) or {}).get("since") or now.isoformat()
        ctx.record(AWAITING_PHASE, since=since, next_poll_at=following.isoformat())
        return _outcome(pub.id, "awaiting", "渠道正在处理，稍后查询结果")
    reason = status.reason or ("文章已被删除" if status.state == "deleted" else "渠道报告发布失败")
    ctx.flush()
    row = ledger.finish_failed(
        pub.id, f"channel-{status.state}", reason, attempt=attempt, now=runtime.now()
    )
    return _outcome(pub.id, "failed" if row else "skipped", reason)


@dataclass
class PollReport:
    polled: int = 0
    published: int = 0
    failed: int = 0
    rescheduled: int = 0
    errors: list[str] = field(default_factory=list)


def _due(pub: Publication, now: datetime) -> bool:
    awaiting = pub.phases.get(AWAITING_PHASE) or {}
    when = awaiting.get("next_poll_at")
    return when is None or datetime.fromisoformat(when) <= now


def poll_awaiting(runtime: Runtime, *, force: bool = False) -> PollReport:
    """Ask the channel about every row waiting for its status (and reconcile unconfirmed ones)."""
    report = PollReport()
    ledger, now = runtime.ledger, runtime.now()
    for pub in ledger.publications(state="publishing"):
        if AWAITING_PHASE not in pub.phases or not (force or _due(pub, now)):
            continue
        report.polled += 1
        try:
            channel = _channel_for(pub, runtime)
            ctx = context_for(pub, runtime)
            status = channel.status(ctx.receipt, ctx)
            outcome = apply_status(pub, status, ctx, runtime)
        except Exception as exc:  # noqa: BLE001 - one row's trouble must not stop the others
            report.errors.append(f"{pub.id}: {exc}")
            _bump(pub, runtime, ctx=None)
            continue
        report.published += outcome.result == "published"
        report.failed += outcome.result == "failed"
    _reconcile_unconfirmed(runtime, report)
    return report


def _bump(pub: Publication, runtime: Runtime, ctx: LedgerPublishContext | None) -> None:
    """Keep a waiting row alive (and out of stale recovery) after a failed status read."""
    try:
        ctx = ctx or context_for(pub, runtime)
        following = runtime.now() + timedelta(seconds=runtime.scheduling.poll_seconds)
        since = (pub.phases.get(AWAITING_PHASE) or {}).get("since")
        ctx.record(AWAITING_PHASE, since=since, next_poll_at=following.isoformat())
    except Exception:  # noqa: BLE001 - the row moved on; nothing to keep alive
        pass


def _channel_for(pub: Publication, runtime: Runtime) -> Channel:
    _, matrix = runtime.load_version(pub.item_id, pub.item_version_id)
    return runtime.channel(matrix, pub.account_id)


# Reconciling may cost a platform call (a search of the account's recent posts): ask each row at
# most this often, per runtime.
RECONCILE_EVERY_POLLS = 4


def _reconcile_unconfirmed(runtime: Runtime, report: PollReport) -> None:
    ledger = runtime.ledger
    clock = time.monotonic()
    for pub in ledger.publications(state="unconfirmed"):
        if runtime.reconcile_after.get(pub.id, 0.0) > clock:
            continue
        runtime.reconcile_after[pub.id] = clock + RECONCILE_EVERY_POLLS * runtime.scheduling.poll_seconds
        try:
            item, matrix = runtime.load_version(pub.item_id, pub.item_version_id)
            channel = runtime.channel(matrix, pub.account_id)
        except Exception:  # noqa: BLE001 - an editor will see the row as it is
            continue
        ctx = context_for(pub, runtime)
        ctx.attempt, ctx.reconciling = None, True
        try:
            status = channel.reconcile(ctx.receipt, ctx, channel.render(item))
        except Transient:
            continue
        except ChannelError as exc:
            report.errors.append(f"{pub.id}: {exc}")
            continue
        ctx.flush()  # what the channel noted while answering is kept whatever happens next
        if status is None or status.state == "publishing":
            continue
        report.polled += 1
        actor = runtime.worker_name()
        try:
            if status.state == "published":
                ledger.resolve_unconfirmed(
                    pub.id, published=True, remote_id=status.remote_id, url=status.url, actor=actor
                )
                report.published += 1
            elif status.state == ABSENT:
                # The channel is sure nothing went out: publish again (it resumes from the phases).
                ledger.retry(pub.id, actor=actor, reason=f"渠道确认未发出（{status.reason or '未提交'}），自动重新排期")
                report.rescheduled += 1
            else:
                ledger.finish_failed(pub.id, f"channel-{status.state}", status.reason or "渠道报告发布失败")
                report.failed += 1
        except IllegalTransition:
            continue  # someone (an editor, another poller) settled it first
