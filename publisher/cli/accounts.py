"""`publisher accounts [--check]`: the matrix, and whether each account's credentials work."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from publisher.cli.common import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    console,
    open_workspace,
    print_config_errors,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def accounts(
        check: Annotated[bool, typer.Option("--check", help="向各渠道核验凭据（每个账号一次无害调用）")] = False,
        fmt: Annotated[str, typer.Option("--format", help="text 或 json")] = "text",
        content: Annotated[Path | None, typer.Option("--content", help="内容库目录")] = None,
    ) -> None:
        """列出矩阵中的账号；加 --check 时逐个核验凭据是否有效（不显示密钥）。"""
        from publisher.publish.accounts import describe, verify
        from publisher.runtime.matrix_check import problems_by_account

        ws = open_workspace(content)
        problems = problems_by_account(ws.root, ws.matrix)  # unknown channels, bad options: file:line
        print_config_errors([finding for _account, finding in problems])
        broken = dict(problems)  # account id → (one of) its problems
        sandbox = os.environ.get("PUBLISHER_SANDBOX_URL")
        reports = [describe(a, ws.matrix, sandbox) for a in ws.matrix.accounts]
        for r in reports:
            if r.account.id in broken:
                r.ok, r.detail = False, f"配置错误（{broken[r.account.id].location}）：{broken[r.account.id].message}"
        if check:
            reports = [r if r.account.id in broken else verify(r, ws.matrix, ws.settings, sandbox) for r in reports]
        if fmt == "json":
            typer.echo(json.dumps([
                {"id": r.account.id, "name": r.account.name, "channel": r.account.channel,
                 "default": r.account.default, "credentials": r.credentials, "endpoint": r.endpoint,
                 "ok": r.ok, "detail": r.detail} for r in reports], ensure_ascii=False, indent=2))
        else:
            table = Table(title="新媒体矩阵账号", title_justify="left")
            for column in ("账号", "名称", "渠道", "默认发布", "凭据", "接口/目录", *(["核验"] if check else [])):
                table.add_column(column, overflow="fold")
            for r in reports:
                row = [r.account.id, r.account.name, r.account.channel, "是" if r.account.default else "否",
                       r.credentials, r.endpoint]
                if check:
                    row.append(("[green]通过[/green] " if r.ok else "[red]失败[/red] ") + escape(r.detail))
                table.add_row(*row)
            console.print(table)
        if problems:
            raise typer.Exit(EXIT_USAGE)
        if check and not all(r.ok for r in reports):
            raise typer.Exit(EXIT_FINDINGS)
