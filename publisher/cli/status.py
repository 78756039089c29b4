"""What happened: `publisher status` per publication, `publisher log` per item."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from publisher.cli.common import EXIT_USAGE, console, fail, open_workspace
from publisher.cli.layout import use_table, wide_console
from publisher.cli.session import (
    CONTENT,
    open_ledger,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def status(
        item: str = typer.Argument(None, help="条目标识（省略则列出全部）"),
        state: str = typer.Option(None, "--state", help="只看某一状态，如 failed / unconfirmed / blocked"),
        fmt: str = typer.Option("text", "--format", help="text 或 json"),
        wide: bool = typer.Option(False, "--wide", help="显示完整表格（可能超出窄终端的宽度）"),
        content: Path = CONTENT,
    ) -> None:
        """发布状态：每条稿件在各渠道的状态、原因和处理办法。"""
        from publisher.ledger import State
        from publisher.office.status import content_problems, controls, status_rows

        if state is not None and state not in {s.value for s in State}:
            raise fail(f"未知状态 {state}，可选：" + "、".join(s.value for s in State))
        ws = open_workspace(content, last_good=True)
        runtime = open_ledger(ws, "memory")
        tz = ws.settings.tz
        rows = status_rows(runtime.ledger, tz, item_id=item, state=state)
        info = controls(runtime.ledger, tz)
        problems = content_problems(runtime.ledger, tz, item)
        if fmt == "json":
            typer.echo(json.dumps({**info, "content": problems, "publications": [r.to_dict() for r in rows]},
                                  ensure_ascii=False, indent=2))
            return
        _print_content_problems(problems)
        for note in info["notes"]:
            console.print(f"[yellow]{escape(note)}[/yellow]")
        if use_table(wide):
            (wide_console() if wide else console).print(_status_table(rows, ws.settings.timezone))
        else:
            _print_status_list(rows, ws.settings.timezone)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.state_label] = counts.get(r.state_label, 0) + 1
        console.print("合计：" + ("，".join(f"{k} {v}" for k, v in counts.items()) or "无记录"))

    def _print_content_problems(problems: dict) -> None:
        """A refused commit and unreadable files first: they explain rows that did not change."""
        if problems["refused"]:
            console.print(f"[red]内容库同步受阻（{problems['synced_at']}）：[/red]")
            console.print(escape(problems["refused"]))
        if problems["load_errors"]:
            console.print(f"[red]无法读取的内容（{len(problems['load_errors'])} 处；读不出的条目保持上一次的排期）：[/red]")
            for p in problems["load_errors"]:
                console.print(f"  {escape(p['location'])}：{escape(p['message'])}")

    @app.command("log")
    def log_command(
        item: str = typer.Argument(..., help="条目标识"),
        fmt: str = typer.Option("text", "--format", help="text 或 json"),
        content: Path = CONTENT,
    ) -> None:
        """条目的审计记录：按时间先后，每一次状态变化、每一个发布步骤和操作人。"""
        from publisher.office.audit_text import log_lines

        ws = open_workspace(content, last_good=True)
        runtime = open_ledger(ws, "memory")
        entries = runtime.ledger.history(item)
        if not entries:
            raise fail(f"条目 {item} 没有审计记录", code=EXIT_USAGE)
        tz = ws.settings.tz
        accounts = {}
        for pub in runtime.ledger.publications(item_id=item):
            account = ws.matrix.account(pub.account_id)
            accounts[pub.id] = f"{account.name}（{pub.account_id}）" if account else pub.account_id
        lines = log_lines(entries, accounts, tz)
        if fmt == "json":
            typer.echo(json.dumps([
                {"at": e.at.astimezone(tz).isoformat(), "publication_id": e.publication_id, "event": e.event,
                 "from": e.from_state.value if e.from_state else None,
                 "to": e.to_state.value if e.to_state else None, "actor": e.actor, "detail": e.detail}
                for e in sorted(entries, key=lambda e: (e.at, e.id))], ensure_ascii=False, indent=2, default=str))  # fmt: skip
            return
        console.print(f"条目 {item} 的审计记录（时间为 {ws.settings.timezone}，按先后顺序）：")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")  # a long sentence wraps under itself, not under the time
        for line in lines:
            grid.add_row(line.at, f"{escape(line.text)}（{escape(line.actor)}）")
        console.print(grid, soft_wrap=False)


STATE_STYLES = {"failed": "red", "unconfirmed": "magenta", "blocked": "yellow", "published": "green",
                "held": "yellow"}  # fmt: skip


def _styled_state(row) -> str:
    style = STATE_STYLES.get("held" if row.held else row.state, "")
    return f"[{style}]{row.state_label}[/]" if style else row.state_label


def _status_table(rows, timezone: str) -> Table:
    table = Table(title=f"发布状态（时间为 {timezone}）", title_justify="left")
    for head in ("编号", "条目", "账号", "状态", "排期"):
        table.add_column(head, no_wrap=True)
    table.add_column("说明", overflow="fold", ratio=1, min_width=30)
    for r in rows:
        note = escape(r.reason or r.url)
        if r.fix:
            note += f"\n处理：{escape(r.fix)}"
        table.add_row(str(r.id), r.item_id, r.account_id, _styled_state(r), r.scheduled_at[5:16], note)
    return table


def _print_status_list(rows, timezone: str) -> None:
    """Narrow terminals: one entry per publication, its reason and fix wrapped under it."""
    console.print(f"发布状态（时间为 {timezone}；--wide 显示完整表格）：")
    for r in rows:
        console.print(f"#{r.id}  {escape(r.item_id)} → {escape(r.account_id)}")
        console.print(f"    {_styled_state(r)} · 排期 {r.scheduled_at[5:16]}")
        for head, text in (("链接", "" if r.reason else r.url), ("原因", r.reason), ("处理", r.fix)):
            if text:  # wrapped at the terminal's width, under the entry it belongs to
                console.print(Padding(f"{head}：{escape(text)}", (0, 0, 0, 4), expand=False), soft_wrap=False)
