"""Manual publishing: publish now, republish, retry, confirm what was verified on the platform."""

from __future__ import annotations

from pathlib import Path

import typer

from publisher.cli.common import console, fail, open_workspace
from publisher.cli.session import (
    ACCOUNT,
    CHANNEL,
    CONTENT,
    dispatch_claimed,
    open_ledger,
    sync_content,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def publish(
        item: str = typer.Argument(..., help="条目标识，如 2026/11/work-meeting"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        now: bool = typer.Option(False, "--now", help="不等排期时间，立即发布"),
        content: Path = CONTENT,
    ) -> None:
        """立即发布一个条目已到期（或加 --now 的）排期稿件。"""
        from publisher.ledger import State, os_user
        from publisher.publish.manual import bring_forward, claim_ids, select_rows

        ws = open_workspace(content)
        runtime = open_ledger(ws)
        sync_content(ws, runtime)
        rows = select_rows(runtime, item, channel=channel, account=account, states=[State.SCHEDULED])
        if not rows:
            raise fail(f"条目 {item} 没有待发布的稿件（用 publisher status {item} 查看）")
        moment = runtime.now()
        if now:
            rows = bring_forward(runtime, rows, moment)
        due = [r.id for r in rows if r.scheduled_at <= moment and (r.not_before is None or r.not_before <= moment)]
        if not due:
            raise fail("稿件尚未到排期时间；要立即发布请加 --now")
        dispatch_claimed(runtime, claim_ids(runtime, due, moment, os_user()), ws)

    @app.command()
    def republish(
        item: str = typer.Argument(..., help="条目标识"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        yes: bool = typer.Option(False, "--yes", "-y", help="不再询问确认"),
        reason: str = typer.Option("编辑手动重发", "--reason", help="重发原因（记入审计日志）"),
        content: Path = CONTENT,
    ) -> None:
        """重新发布一个条目（即使已经发布过），每个渠道账号新增一条发布记录。"""
        from publisher.ledger import os_user
        from publisher.publish.manual import ManualError, claim_ids, select_rows
        from publisher.publish.manual import republish as do_republish

        ws = open_workspace(content)
        runtime = open_ledger(ws)
        earlier = [r for r in select_rows(runtime, item, channel=channel, account=account) if r.state.value == "published"]
        if not yes:
            where = "、".join(sorted({r.account_id for r in earlier})) or "所选渠道"
            if not typer.confirm(f"条目 {item} 已在 {where} 发布过 {len(earlier)} 次，确定再发一次吗？", default=False):
                raise typer.Exit(1)
        try:
            result = do_republish(runtime, ws.root, item, channel=channel, account=account, reason=reason)
        except ManualError as exc:
            raise fail(str(exc)) from None
        console.print(f"已新建 {len(result.rows)} 条重发记录：" + "、".join(r.account_id for r in result.rows))
        ids = [r.id for r in result.rows]
        dispatch_claimed(runtime, claim_ids(runtime, ids, runtime.now(), os_user()), ws)

    @app.command()
    def retry(
        item: str = typer.Argument(..., help="条目标识"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        not_posted: bool = typer.Option(
            False, "--not-posted", help="结果未确认的稿件：已到平台核实没有发出，重新发布"
        ),
        content: Path = CONTENT,
    ) -> None:
        """重新排期失败的稿件（处理原因之后）；结果未确认的需加 --not-posted。"""
        from publisher.publish.manual import retry as do_retry

        ws = open_workspace(content)
        runtime = open_ledger(ws)
        rows = do_retry(runtime, item, channel=channel, account=account, not_posted=not_posted)
        if not rows:
            raise fail(f"条目 {item} 没有可重试的稿件（结果未确认的请先核实平台，再加 --not-posted）")
        console.print(f"已重新排期 {len(rows)} 条，将在下一次派发时发布（或运行 publisher run --once）")

    @app.command()
    def confirm(
        item: str = typer.Argument(..., help="条目标识"),
        account: str = typer.Option(..., "--account", help="账号（必填：一次只确认一个账号的稿件）"),
        url: str = typer.Option(None, "--url", help="在平台上核实到的稿件链接"),
        content: Path = CONTENT,
    ) -> None:
        """结果未确认的稿件：已到平台核实确实发出后，记为已发布（不会再次发送）。"""
        from publisher.ledger import State
        from publisher.publish.manual import select_rows

        ws = open_workspace(content)
        runtime = open_ledger(ws, "memory")
        rows = select_rows(runtime, item, account=account, states=[State.UNCONFIRMED])
        if not rows:
            raise fail(f"条目 {item} 在账号 {account} 上没有结果未确认的稿件（publisher status {item} 查看）")
        for row in rows:
            runtime.ledger.resolve_unconfirmed(row.id, published=True, url=url)
            console.print(f"已记为已发布：{row.item_id} → {row.account_id}（编号 {row.id}）")

