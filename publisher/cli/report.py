"""`publisher report` (quarterly 通报) and `publisher reach` (pull reads/shares now)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import (
    CONTENT,
    console,
    err_console,
    fail,
    ledger_of,
    moment_of,
    open_workspace,
)

TEXT_FORMATS = ("md", "csv")


def default_report_name(quarter: str, fmt: str, department: str | None, kind: str = "通报") -> str:
    """`信息报送通报-2026Q4.html`, `信息报送通报-2026Q4-办公室.xlsx` for one department,
    `信息报送考核-2026.xlsx` for the year."""
    unit = f"-{department}" if department else ""
    safe = "".join(c if c not in '/\\:*?"<>|' else "_" for c in f"信息报送{kind}-{quarter}{unit}")
    return f"{safe}.{fmt}"


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        quarter: Annotated[str | None, typer.Option("--quarter", "-q", help="季度，如 2026Q4；默认为当前季度")] = None,
        year: Annotated[int | None, typer.Option("--year", "-y", help="年度考核：整年的报送、采用、积分、目标完成与分档，如 2026")] = None,
        department: Annotated[str | None, typer.Option("--department", "-d", help="只看这个报送单位（名次仍在全部单位中排）")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="md / csv / xlsx / html")] = "md",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="写入此文件（- 表示输出到屏幕）；html、xlsx 默认写到当前目录的“信息报送通报-季度.格式”，md、csv 默认输出到屏幕")] = None,
        now: Annotated[str | None, typer.Option("--now", help="按此时间生成，如 2026-12-31 18:00")] = None,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """季度信息报送情况通报（或 --year 年度考核）：各单位报送、采用（含上级采用）、传播数据、积分与档次，目标完成情况，信息员情况。"""
        from publisher.office.reports import (
            FORMATS,
            Quarter,
            Year,
            build_quarterly_report,
            render_report,
        )

        if fmt not in FORMATS:
            raise fail(f"不支持的格式“{fmt}”，可选：{'、'.join(FORMATS)}")
        ws = open_workspace(content)
        moment = moment_of(now, ws.matrix.tz)
        if year is not None and quarter:
            raise fail("--quarter 与 --year 只能选一个")
        try:
            if year is not None:
                if not 1900 <= year <= 2999:
                    raise ValueError(f"无法识别的年度“{year}”，请写成 2026 的形式")
                chosen = Year(year)
            else:
                chosen = Quarter.parse(quarter) if quarter else Quarter.containing(moment, ws.matrix.tz)
        except ValueError as exc:
            raise fail(str(exc)) from None
        with ledger_of(ws.settings) as ledger:
            data = build_quarterly_report(ledger, ws.matrix, chosen, department=department, now=moment)
        if department and not data.rows:
            err_console.print(f"[yellow]提示：[/yellow]{chosen.label}没有“{department}”的报送或采用记录")
        payload = render_report(data, fmt)  # type: ignore[arg-type]
        if out == Path("-") or (out is None and fmt in TEXT_FORMATS):
            sys.stdout.buffer.write(payload)  # md / csv read well in a terminal or a pipe
            sys.stdout.flush()
            return
        if out is None:  # html / xlsx: a file people open, never bytes on a terminal
            out = Path(default_report_name(chosen.code, fmt, department, "考核" if year is not None else "通报"))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(payload)
        kind = "考核" if year is not None else "通报"
        console.print(f"已生成 {chosen.label}{kind}：{out.resolve()}（{len(data.rows)} 个单位）")

    @app.command()
    def reach(
        since: Annotated[int, typer.Option("--since", help="读取最近多少天内发布的稿件", min=1)] = 30,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """从各渠道读取已发布稿件的阅读、转发、点赞、评论数（渠道提供的），记入发布账本。"""
        from publisher.publish.reach import pull_reach
        from publisher.runtime.context import open_runtime

        ws = open_workspace(content)
        try:
            runtime = open_runtime(ws.settings, shared="ledger" if ws.settings.executor == "local" else "redis")
        except Exception as exc:
            raise fail(f"无法打开发布账本：{exc}") from None
        result = pull_reach(runtime, since=timedelta(days=since))
        for error in result.errors:
            err_console.print(f"[yellow]未能读取：[/yellow]{error}")
        console.print(result.summary())
