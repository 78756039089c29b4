"""`publisher adopt`: settle what a new, foreign or restored ledger holds back, by asking every
channel what it already carries (publisher.publish.adopt)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from publisher.cli.common import console
from publisher.cli.session import ACCOUNT, CONTENT, open_ledger, sync_content


def register(app: typer.Typer) -> None:
    @app.command()
    def adopt(
        content: Path = CONTENT,
        account: str = ACCOUNT,
        dry_run: bool = typer.Option(False, "--dry-run", help="只显示将要记录的结果，不写入账本"),
        catch_up: bool = typer.Option(False, "--catch-up", help="平台上没有的暂缓稿件也确认补发（下次运行时发送）"),
        output: str = typer.Option("text", "--format", help="输出格式：text 或 json"),
    ) -> None:
        """向各渠道核对暂缓的历史稿件：平台上已有的记为已发布，其余继续暂缓（或 --catch-up 补发）。"""
        from publisher.cli.common import open_workspace
        from publisher.publish.adopt import adopt as settle

        ws = open_workspace(content)
        runtime = open_ledger(ws)
        sync_content(ws, runtime)
        report = settle(runtime, dry_run=dry_run, catch_up=catch_up, account_id=account)
        if output == "json":
            print(json.dumps({"dry_run": dry_run, "lines": [line.to_dict() for line in report.lines],
                              "cleared": report.cleared, "still_held": report.still_held}, ensure_ascii=False, indent=2))
            return
        _print(report)


def _print(report) -> None:
    if not report.lines and not report.cleared:
        console.print("没有暂缓的稿件，无需核对")
        return
    if report.lines:
        table = Table(title="与平台核对（预演，未写入账本）" if report.dry_run else "与平台核对")
        for header in ("条目", "账号", "结果", "平台编号 / 说明"):
            table.add_column(header)
        for line in report.lines:
            table.add_row(escape(line.item_id), escape(line.account_id), line.label,
                          escape(line.url or line.remote_id or line.note or ""))
        console.print(table)
    verb = "将" if report.dry_run else "已"
    parts = [f"{verb}记为已发布 {report.count('found')} 条"]
    if report.count("released"):
        parts.append(f"{verb}确认补发 {report.count('released')} 条（下次 publisher run 发送）")
    waiting = report.count("absent") + report.count("unknown") + report.count("error")
    if waiting:
        parts.append(f"继续暂缓 {waiting} 条")
    console.print("，".join(parts))
    if waiting:
        console.print("平台上没有或无法核对的稿件仍暂缓；核实后确需发送，运行 publisher adopt --catch-up")
    if report.cleared:
        console.print(f"{'将' if report.dry_run else '已'}结束暂缓的账号：{'、'.join(report.cleared)}")
