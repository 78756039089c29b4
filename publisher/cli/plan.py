"""`publisher plan`: what sync would do, per account and when — without changing anything."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from publisher.cli.common import EXIT_USAGE, console, err_console, open_workspace
from publisher.cli.layout import use_table, wide_console

_STYLE = {"blocked": "red", "changed": "yellow", "cancel": "yellow", "retract": "yellow",
          "create": "green", "update": "cyan", "site-update": "cyan"}


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_command(
        content: Path = typer.Option(None, "--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）"),
        fmt: str = typer.Option("text", "--format", help="text 或 json"),
        show_all: bool = typer.Option(False, "--all", help="也列出不变和已完成的发布"),
        wide: bool = typer.Option(False, "--wide", help="显示完整表格（可能超出窄终端的宽度）"),
    ) -> None:
        """显示同步将要做什么：按账号列出新建、更新、受阻、取消和发布后改动（不做任何修改）。"""
        # Imported here: the ledger and renderers are heavy, and every command pays for imports.
        from publisher.content.matrix import MatrixError
        from publisher.content.source import SourceError
        from publisher.ledger import open_ledger
        from publisher.schedule.ledger_guard import LedgerMismatch
        from publisher.schedule.planner import ACTION_LABELS
        from publisher.schedule.sync import sync

        ws = open_workspace(content)
        try:
            with open_ledger(ws.settings.resolved_database_url) as ledger:
                report = sync(ws.root, ledger, ws.settings, apply=False)
        except (MatrixError, SourceError, LedgerMismatch) as exc:
            err_console.print(f"[red]错误：[/red]{exc}")
            raise typer.Exit(EXIT_USAGE) from None
        entries = report.plan.entries
        if fmt == "json":
            typer.echo(json.dumps({"commit": report.commit, "unpushed_commits": report.unpushed, "entries": [e.to_dict() for e in entries],
                                   "load_errors": [f.to_dict() for f in report.findings]},
                                  ensure_ascii=False, indent=2))
            return
        tz = report.matrix.tz
        shown = [e for e in entries if show_all or e.action not in ("unchanged", "done")]
        source = f"提交 {report.commit[:10]}" if report.commit else "工作目录（未使用 git）"
        console.print(f"内容来源：{source}")
        if report.unpushed:
            from publisher.content.source import unpushed_notice

            err_console.print(f"[yellow]{unpushed_notice(report.unpushed)}[/yellow]")
        table_view = use_table(wide)
        if not table_view:
            console.print("（--wide 显示完整表格）")
        for account in report.matrix.accounts:
            rows = sorted((e for e in shown if e.account_id == account.id),
                          key=lambda e: (e.scheduled_at is None, e.scheduled_at or 0, e.item_id))  # fmt: skip
            if rows:
                _print_account(account, rows, tz, table_view, wide)
        for f in report.findings:
            err_console.print(f"{f.location}: [red]无法读取[/red] {f.message}")
        counts = {a: report.plan.count(a) for a in ACTION_LABELS}
        summary = "，".join(f"{ACTION_LABELS[a]} {n}" for a, n in counts.items() if n)
        console.print(f"合计：{summary or '无变化'}")


def _action_label(action: str) -> str:
    from publisher.schedule.planner import ACTION_LABELS

    style, label = _STYLE.get(action, ""), ACTION_LABELS.get(action, action)
    return f"[{style}]{label}[/]" if style else label


def _print_account(account, rows, tz, table_view: bool, wide: bool) -> None:
    """One account's planned publications: a table, or on narrow terminals a list."""
    def when(e) -> str:
        return e.scheduled_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if e.scheduled_at else ""

    if table_view:
        table = Table(title=f"{account.name}（{account.id}）", title_justify="left")
        for column, wrap in (("动作", False), ("时间", False), ("条目", False), ("标题", True), ("说明", True)):
            table.add_column(column, no_wrap=not wrap)
        for e in rows:
            table.add_row(_action_label(e.action), when(e), e.item_id, escape(e.title), escape(e.reason or ""))
        (wide_console() if wide else console).print(table)
        return
    console.print(f"[bold]{escape(account.name)}（{escape(account.id)}）[/bold]")
    for e in rows:
        console.print(f"  {_action_label(e.action)}  {when(e)[5:] or '不定时'}  {escape(e.item_id)}")
        for text in (e.title, e.reason):
            if text:  # wrapped at the terminal's width, under its entry
                console.print(Padding(escape(text), (0, 0, 0, 6), expand=False), soft_wrap=False)
