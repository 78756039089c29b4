"""THE publish path: one publication id in, one ledger state out. Both executors call it.

    start (queued → publishing; None: someone else has it, a duplicate delivery ends here)
      → load the planned version → render → the rendition hash must equal the planned one
      → take a unit of the account's shared budget
      → channel.publish(rendition, ctx): every irreversible step recorded through ctx.record
      → published | awaiting the channel's status | requeued | paused | failed | unconfirmed

How each channel error ends (channels/errors.py; DESIGN.md, decision 3):
    Transient        back to the schedule after exponential backoff with jitter; failed after
                     `max_attempts`
    Unconfirmed      unconfirmed: never re-sent blindly; the poll step or an editor reconciles
    QuotaExceeded    the account pauses until the reset, the publication waits (it does not fail)
    AuthExpired      the account pauses until an editor re-authorises it; the publication waits
    DuplicateContent unconfirmed when an earlier attempt of ours may have posted it, else failed
    other Permanent  failed, with the platform's reason
    anything else    while talking to the channel: unconfirmed (nobody knows what was sent);
                     before: back to the schedule
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import redis

from channels.base import LockTimeout
from channels.errors import (
    AuthExpired,
    ChannelError,
    DuplicateContent,
    Permanent,
    QuotaExceeded,
    Transient,
    Unconfirmed,
)
from publisher.ledger.execution import ClaimLost
from publisher.publish.context import LedgerPublishContext, PublishOutcome, context_for
from publisher.publish.settle import AWAITING_PHASE, settle_status

if TYPE_CHECKING:
    from publisher.ledger import Publication
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)

SHARED_STATE_ERRORS = (redis.exceptions.RedisError, LockTimeout)

# Pause for an account whose credentials were refused: until someone re-authorises it.
AUTH_PAUSE = timedelta(days=3650)


def backoff_seconds(attempt: int, base: float, cap: float, retry_after: float = 0.0) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, never below retry_after."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    return max(delay, retry_after)


def publish_publication(publication_id: int, runtime: Runtime) -> PublishOutcome:
    ledger = runtime.ledger
    now = runtime.now()
    pub = ledger.start(publication_id, runtime.worker_name(), now=now)
    if pub is None:
        return PublishOutcome(publication_id, "skipped", "已由其他进程处理或不在待发布状态")

    attempt = pub.attempts  # the fencing token: a later attempt's row is never overwritten
    ctx: LedgerPublishContext | None = None  # set once the channel is about to be called

    def ended(row: Publication | None, result: str, message: str) -> PublishOutcome:
        if row is None:  # recovered and handed on while we worked: the other attempt decides
            return PublishOutcome(pub.id, "skipped", "发布记录已被回收，本次结果未写入")
        return PublishOutcome(pub.id, result, message)

    def keep_notes() -> None:
        # What the channel noted but did not save yet (an upload's id) helps the next attempt.
        if ctx is not None:
            ctx.flush()

    def requeue(delay: float, code: str, message: str) -> PublishOutcome:
        keep_notes()
        row = ledger.requeue(
            pub.id, now + timedelta(seconds=delay), code, message, attempt=attempt, now=now
        )
        return ended(row, "requeued", message)

    def fail(code: str, message: str) -> PublishOutcome:
        keep_notes()
        row = ledger.finish_failed(pub.id, code, message, attempt=attempt, now=now)
        return ended(row, "failed", message)

    def unconfirmed(code: str, message: str) -> PublishOutcome:
        keep_notes()
        row = ledger.mark_unconfirmed(pub.id, code, message, attempt=attempt, now=now)
        return ended(row, "unconfirmed", message)

    def pause(until: datetime, code: str, message: str) -> PublishOutcome:
        keep_notes()
        ledger.pause_account(pub.account_id, until, message, actor=runtime.worker_name(), now=now)
        row = ledger.requeue(pub.id, until, code, message, attempt=attempt, now=now)
        return ended(row, "paused", message)

    try:
        item, matrix = runtime.load_version(pub.item_id, pub.item_version_id, pub.version_hash)
        channel = runtime.channel(matrix, pub.account_id)
        rendition = channel.render(item)
    except Exception as exc:  # a version or a renderer that cannot serve this row: editor acts
        log.warning("发布记录 %s 无法渲染：%s", pub.id, exc)
        return fail("render-failed", f"无法按排期时的版本生成发布内容：{exc}")
    if rendition.content_hash != pub.rendition_hash:
        return fail(
            "rendition-changed",
            "生成的发布内容与排期时不一致（渲染结果的哈希不同），为防止发出未经核对的内容已停止："
            "请运行 publisher run 重新同步后再发布",
        )

    ctx = context_for(pub, runtime)
    if AWAITING_PHASE not in ctx.receipt.phases:
        verdict = runtime.quotas.take(pub.channel, pub.account_id, now)
        if not verdict.allowed:
            return pause(verdict.reset_at, "quota", f"{verdict.reason}，账号暂停到重置时间，稿件届时自动发布")

    try:
        receipt = channel.publish(rendition, ctx)
    except ClaimLost:
        # recover_stale gave the row to someone else while we were slow: stop, touch nothing.
        return PublishOutcome(pub.id, "skipped", "发布记录已被回收，本次执行停止")
    except Transient as exc:
        if pub.attempts >= runtime.scheduling.max_attempts:
            return fail(_code(exc, "transient"), f"重试 {pub.attempts} 次仍未成功：{exc.message}")
        sched = runtime.scheduling
        delay = backoff_seconds(pub.attempts, sched.backoff_base_seconds, sched.backoff_max_seconds, exc.retry_after)
        return requeue(delay, _code(exc, "transient"), f"{exc.message}（第 {pub.attempts} 次，稍后自动重试）")
    except Unconfirmed as exc:
        return unconfirmed(_code(exc, "unconfirmed"), exc.message)
    except QuotaExceeded as exc:
        until = exc.reset_at or now + timedelta(hours=1)
        return pause(until, _code(exc, "quota"), exc.message)
    except AuthExpired as exc:
        return pause(now + AUTH_PAUSE, _code(exc, "auth"), f"{exc.message}（重新授权后运行 publisher unfreeze --account {pub.account_id}）")
    except DuplicateContent as exc:
        if _may_have_posted_before(pub, exc):
            return unconfirmed(
                _code(exc, "duplicate"),
                f"{exc.message}：此前一次发送结果未确认，可能已经发出，请到平台核对",
            )
        return fail(_code(exc, "duplicate"), exc.message)
    except Permanent as exc:
        return fail(_code(exc, "rejected"), exc.message)
    except ChannelError as exc:
        return unconfirmed(_code(exc, "channel-error"), exc.message)
    except SHARED_STATE_ERRORS as exc:
        # Our own Redis / lock, not the channel: adapters record each irreversible request in the
        # ledger before and after it and resume from there, so trying again later is safe.
        sched = runtime.scheduling
        delay = backoff_seconds(pub.attempts, sched.backoff_base_seconds, sched.backoff_max_seconds)
        return requeue(delay, "shared-state", f"共享状态（Redis）暂不可用：{type(exc).__name__}，稍后自动重试")
    except NotImplementedError:
        # The channel class has no publish at all: nothing was sent, and retrying will not help.
        return fail("not-supported", f"渠道 {pub.channel} 不支持自动发布（渠道插件未实现 publish）")
    except Exception as exc:
        # Inside channel.publish nobody knows what reached the platform: never guess "not sent".
        log.exception("发布记录 %s 发布时出现意外错误", pub.id)
        return unconfirmed("unexpected", f"发布过程中出现意外错误（{type(exc).__name__}: {exc}），请核对平台上是否已发出")

    return settle_status(pub, channel, ctx, receipt, runtime)


def _code(exc: ChannelError, default: str) -> str:
    return str(exc.code) if exc.code is not None else default


def _may_have_posted_before(pub: Publication, exc: DuplicateContent) -> bool:
    """An earlier attempt of this row sent the same post and lost the answer (the adapter knows
    when it recorded the send; otherwise any earlier attempt counts, to stay on the safe side)."""
    earlier = getattr(exc, "earlier_attempt", None)
    if earlier is not None:
        return bool(earlier)
    return pub.attempts > 1
