"""Stop and resume dispatching: `publisher freeze` / `unfreeze`."""

from __future__ import annotations

from pathlib import Path

import typer

from publisher.cli.common import console, open_workspace
from publisher.cli.session import (
    ACCOUNT,
    CONTENT,
    open_ledger,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def freeze(
        reason: str = typer.Option(..., "--reason", help="冻结原因，如 全国哀悼日"),
        account: str = ACCOUNT,
        content: Path = CONTENT,
    ) -> None:
        """冻结发布：不再派发新的稿件（进行中的发布会完成）。"""
        ws = open_workspace(content, last_good=True)  # an emergency stop works with a broken config
        runtime = open_ledger(ws, "memory")
        runtime.ledger.freeze(reason, account_id=account)
        console.print(f"已冻结{'账号 ' + account + ' 的' if account else '全部'}发布：{reason}（解冻：publisher unfreeze）")

    @app.command()
    def unfreeze(account: str = ACCOUNT, content: Path = CONTENT) -> None:
        """解除冻结（指定账号时，也解除该账号因配额或授权过期的暂停）。"""
        ws = open_workspace(content, last_good=True)  # an emergency stop works with a broken config
        runtime = open_ledger(ws, "memory")
        runtime.ledger.unfreeze(account_id=account)
        if account:
            runtime.ledger.resume_account(account)
        console.print(f"已解除{'账号 ' + account + ' 的' if account else '全部'}冻结，到期稿件将继续发布")

