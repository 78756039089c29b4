"""`publisher import`: submissions and adoption history from a CSV or XLSX spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import CONTENT, console, err_console, fail, ledger_of, open_workspace


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: Annotated[Path, typer.Argument(help="报送与采用记录表（.csv 或 .xlsx，列名同 publisher export --submissions）")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """导入报送与采用记录（如去年的统计表）：逐行检查，有任何一行不对就整个文件都不导入。"""
        from publisher.office.submissions.spreadsheet import ImportProblems, import_history

        if not file.is_file():
            raise fail(f"找不到文件 {file}")
        ws = open_workspace(content)
        with ledger_of(ws.settings) as ledger:
            try:
                added, adoptions = import_history(ledger, ws.matrix, file, dry_run=dry_run)
            except ImportProblems as exc:
                for problem in exc.problems:
                    err_console.print(f"{file.name} {problem}")
                raise fail(f"共 {len(exc.problems)} 个问题，整个文件都未导入；改正后重新导入。") from None
        if dry_run:
            console.print(f"检查通过：可导入 {added} 条报送、{adoptions} 条采用记录（未写入）。")
        else:
            console.print(f"已导入 {added} 条报送、{adoptions} 条采用记录。")
