"""`publisher export`: publications and their reach as CSV or JSON, for archives and spreadsheets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import CONTENT, console, fail, ledger_of, open_workspace


def register(app: typer.Typer) -> None:
    @app.command()
    def export(
        fmt: Annotated[str, typer.Option("--format", "-f", help="csv / json（报送记录：csv / xlsx）")] = "csv",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="写入此文件；默认输出到屏幕")] = None,
        history: Annotated[bool, typer.Option("--history", help="JSON 中附上每条发布的传播数据历史")] = False,
        submissions: Annotated[bool, typer.Option("--submissions", help="导出报送与采用记录（可用 publisher import 导入）")] = False,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """导出全部发布记录及其最新传播数据（CSV 或 JSON），或 --submissions 报送与采用记录（CSV 或 XLSX）。"""
        from publisher.office.export import export_csv, export_json

        allowed = ("csv", "xlsx") if submissions else ("csv", "json")
        if fmt not in allowed:
            raise fail(f"不支持的格式“{fmt}”，可选：{'、'.join(allowed)}")
        if fmt == "xlsx" and out is None:
            raise fail("xlsx 格式请用 --out 指定文件")
        ws = open_workspace(content)
        with ledger_of(ws.settings) as ledger:
            if submissions:
                from publisher.office.submissions import spreadsheet

                writer = spreadsheet.export_xlsx if fmt == "xlsx" else spreadsheet.export_csv
                payload = writer(ledger, ws.matrix.tz)
            elif fmt == "csv":
                payload = export_csv(ledger, ws.matrix.tz)
            else:
                payload = export_json(ledger, ws.matrix.tz, history=history)
        if out is None:
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(payload)
        console.print(f"已导出到 {out}")
