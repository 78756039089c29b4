"""`publisher retract`: take published posts down on every channel that can."""

from __future__ import annotations

from pathlib import Path

import typer

from publisher.cli.common import console, err_console, fail, open_workspace
from publisher.cli.session import (
    ACCOUNT,
    CHANNEL,
    CONTENT,
    open_ledger,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def retract(
        item: str = typer.Argument(..., help="条目标识"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        yes: bool = typer.Option(False, "--yes", "-y", help="不再询问确认"),
        reason: str = typer.Option("编辑撤稿", "--reason", help="撤稿原因（记入审计日志）"),
        content: Path = CONTENT,
    ) -> None:
        """撤稿：在所有支持撤稿的渠道上删除该条目已发布的稿件。"""
        from publisher.publish.manual import retract as do_retract

        ws = open_workspace(content)
        runtime = open_ledger(ws)
        if not yes and not typer.confirm(f"确定撤下条目 {item} 已发布的稿件吗？此操作不可恢复", default=False):
            raise typer.Exit(1)
        result = do_retract(runtime, item, channel=channel, account=account, reason=reason)
        for row in result.retracted:
            console.print(f"  已撤稿：{row.account_id}（{row.channel}）")
        for row in result.unsupported:
            console.print(f"  [yellow]不支持撤稿[/yellow]：{row.account_id}（{row.channel}），请到平台手动删除")
        for row, message in result.failed:
            err_console.print(f"  [red]撤稿失败[/red]：{row.account_id}：{message}")
        if not (result.retracted or result.unsupported or result.failed):
            raise fail(f"条目 {item} 没有已发布的稿件可撤")
        if result.failed:
            raise typer.Exit(1)

