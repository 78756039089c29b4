"""Editors' one-off actions on an item: publish now, republish, retract, retry.

The CLI only parses and calls these. Every ledger write names the OS user as actor, so the
audit trail says who pressed the button. Publishing goes through the same
`publish_publication` as the dispatcher (DESIGN.md, decision 6).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, update

from channels.base import VERIFIED_ABSENT_PHASE, Receipt
from channels.errors import ChannelError, NotSupported
from publisher.ledger import State, os_user
from publisher.ledger.controls import not_stopped_clause
from publisher.ledger.execution import ClaimLost
from publisher.ledger.records import Publication
from publisher.ledger.schema import audit_log, publications

if TYPE_CHECKING:
    from publisher.runtime.context import Runtime


class ManualError(Exception):
    """A sentence for the editor: why the command did nothing."""


def select_rows(
    runtime: Runtime,
    item_id: str,
    *,
    channel: str | None = None,
    account: str | None = None,
    states: Iterable[State] | None = None,
) -> list[Publication]:
    rows = runtime.ledger.publications(item_id=item_id, channel=channel, account_id=account)
    if states is not None:
        wanted = set(states)
        rows = [r for r in rows if r.state in wanted]
    return rows


def claim_ids(runtime: Runtime, ids: list[int], now: datetime, actor: str) -> list[int]:
    """scheduled → queued for exactly these rows (the dispatcher's claim is for due rows only).

    The same guarded UPDATE as `Ledger.claim_due`: only rows still scheduled, whose account is
    neither frozen nor paused, move; everything else is left as it is.
    """
    if not ids:
        return []
    stmt = (
        update(publications)
        .where(
            publications.c.id.in_(ids),
            publications.c.state == State.SCHEDULED.value,
            not_stopped_clause(now),
        )
        .values(state=State.QUEUED.value, claimed_by=actor, claimed_at=now, updated_at=now)
        .returning(publications.c.id, publications.c.item_id)
    )
    with runtime.ledger.engine.begin() as conn:
        rows = conn.execute(stmt).all()
        if rows:
            conn.execute(
                insert(audit_log),
                [
                    {"at": now, "publication_id": r.id, "item_id": r.item_id, "event": "claim",
                     "from_state": State.SCHEDULED.value, "to_state": State.QUEUED.value,
                     "actor": actor, "detail": {"manual": True}}
                    for r in rows
                ],
            )  # fmt: skip
    return sorted(r.id for r in rows)


def bring_forward(runtime: Runtime, rows: list[Publication], now: datetime) -> list[Publication]:
    """Make scheduled rows due now (`publisher publish --now`), audited under the OS user."""
    moved = []
    for row in rows:
        if row.state is not State.SCHEDULED or (row.scheduled_at <= now and not row.not_before):
            moved.append(row)
            continue
        pub, _ = runtime.ledger.upsert_publication(
            row.item_id, row.item_version_id, row.channel, row.account_id, row.rendition_hash, now,
            actor=os_user(), now=now,
        )  # fmt: skip
        moved.append(pub)
    return moved


@dataclass
class Republished:
    rows: list[Publication] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def republish(
    runtime: Runtime,
    root: Path,
    item_id: str,
    *,
    channel: str | None = None,
    account: str | None = None,
    reason: str = "编辑手动重发",
) -> Republished:
    """New manual rows for the item's current version on each chosen target, due now."""
    from publisher.checks import judge_for_publishing
    from publisher.content.history import attach_trails
    from publisher.content.loader import ITEM_FILE, ITEMS_DIR, load_item
    from publisher.content.matrix import load_matrix
    from publisher.content.source import take_snapshot
    from publisher.content.versions import load_version, snapshot_cache, store_version, version_hash

    settings, ledger = runtime.settings, runtime.ledger
    snapshot = take_snapshot(root, snapshot_cache(settings), use_git=settings.use_git, branch=settings.branch,
                             remote=settings.content_remote)  # fmt: skip
    matrix = load_matrix(snapshot.root)
    path = snapshot.root / ITEMS_DIR / item_id / ITEM_FILE
    if not path.is_file():
        raise ManualError(f"内容库中没有条目 {item_id}")
    item, findings = load_item(path, snapshot.root, matrix)
    if item is None:
        raise ManualError("；".join(f.message for f in findings if f.is_error) or f"条目 {item_id} 无法读取")
    attach_trails([item], root, matrix.review, commit=snapshot.commit, config_root=snapshot.root)
    verdict = judge_for_publishing(item, matrix, settings)
    chosen = [
        t for t in verdict.targets
        if (channel is None or t.account.channel == channel) and (account is None or t.account.id == account)
    ]  # fmt: skip
    if not chosen:
        raise ManualError("没有符合条件的发布渠道或账号")
    # What publishing enforces, for the targets asked for: the item's errors and theirs.
    reasons = list({id(f): f for t in chosen for f in verdict.errors_for(t)}.values())
    if reasons:
        raise ManualError("条目目前不能发布：" + "；".join(f"{f.message}（{f.location}）" for f in reasons[:3]))
    targets = [t.account for t in chosen]
    vhash = version_hash(item)
    store_version(item, settings.state_dir, vhash)
    meta = item.meta
    version_id = ledger.upsert_item_version(
        item.id, vhash, meta.title, department=meta.department, publish_at=meta.publish_at,
        expire_at=meta.expire_at, draft=meta.draft, commit=snapshot.commit,
    )  # fmt: skip
    version_item, version_matrix = load_version(settings.state_dir, vhash, item.id)
    result = Republished()
    now = runtime.now()
    for target in targets:
        rendition = runtime.channel(version_matrix, target.id).render(version_item)
        row = ledger.create_manual(
            item.id, version_id, target.channel, target.id, rendition.content_hash, now,
            reason=reason, actor=os_user(), now=now,
        )  # fmt: skip
        result.rows.append(row)
    return result


@dataclass
class RetractResult:
    retracted: list[Publication] = field(default_factory=list)
    unsupported: list[Publication] = field(default_factory=list)
    failed: list[tuple[Publication, str]] = field(default_factory=list)


def retract_publication(runtime: Runtime, pub: Publication, actor: str) -> tuple[str, str]:
    """Ask the channel to take down one row that is `retracting`; returns (result, message)."""
    from publisher.publish.context import context_for

    ledger = runtime.ledger
    try:
        _, matrix = runtime.load_version(pub.item_id, pub.item_version_id)
        channel = runtime.channel(matrix, pub.account_id)
        ctx = context_for(pub, runtime)
        ctx.attempt = None
        receipt = Receipt(phases=dict(pub.phases), remote_id=pub.remote_id, url=pub.url)
        channel.retract(receipt, ctx)
    except NotSupported as exc:
        ledger.fail_retract(pub.id, "not-supported", exc.message, actor=actor)
        return "unsupported", exc.message
    except ChannelError as exc:
        ledger.fail_retract(pub.id, exc.code, exc.message, actor=actor)
        return "failed", exc.message
    except Exception as exc:  # the post is still up as far as we know; say why
        ledger.fail_retract(pub.id, "unexpected", f"撤稿时出现意外错误：{exc}", actor=actor)
        return "failed", str(exc)
    ledger.finish_retract(pub.id, actor=actor)
    return "retracted", ""


def retract(
    runtime: Runtime, item_id: str, *, channel: str | None = None, account: str | None = None,
    reason: str = "编辑撤稿",
) -> RetractResult:  # fmt: skip
    """撤稿: every published row of the item on channels that can take a post down."""
    result = RetractResult()
    actor = os_user()
    for row in select_rows(runtime, item_id, channel=channel, account=account, states=[State.PUBLISHED]):
        from channels.registry import channel_class

        cls = channel_class(row.channel)
        if cls is None or not cls.limits.can_retract:
            result.unsupported.append(row)
            continue
        started = runtime.ledger.start_retract(row.id, reason, actor=actor)
        outcome, message = retract_publication(runtime, started, actor)
        if outcome == "retracted":
            result.retracted.append(started)
        elif outcome == "unsupported":
            result.unsupported.append(started)
        else:
            result.failed.append((started, message))
    return result


def finish_pending_retracts(runtime: Runtime) -> int:
    """Rows the planner put in `retracting` (an item removed or expired): take them down."""
    done = 0
    for row in runtime.ledger.publications(state=State.RETRACTING):
        outcome, _ = retract_publication(runtime, row, runtime.worker_name())
        done += outcome == "retracted"
    return done


def retry(
    runtime: Runtime, item_id: str, *, channel: str | None = None, account: str | None = None,
    not_posted: bool = False,
) -> list[Publication]:  # fmt: skip
    """Failed rows (and, when the editor checked the platform, unconfirmed ones) → scheduled now."""
    states = [State.FAILED, State.UNCONFIRMED] if not_posted else [State.FAILED]
    rows = select_rows(runtime, item_id, channel=channel, account=account, states=states)
    reason = "编辑已核实平台上没有该稿件，重新发布" if not_posted else "编辑重试"
    actor = os_user()
    for row in rows:
        if row.state is State.UNCONFIRMED:
            # What the editor checked goes with the row: an adapter that will not repeat an
            # unanswered irreversible request may repeat it once this is recorded.
            mark = {"at": runtime.now().astimezone().isoformat(), "by": actor}
            with suppress(ClaimLost):  # the row is not held by a worker; saved all the same
                runtime.ledger.record_phase(row.id, VERIFIED_ABSENT_PHASE, mark)
    return [runtime.ledger.retry(r.id, actor=actor, reason=reason) for r in rows]
