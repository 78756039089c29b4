"""`publisher intake`: a department's Word file becomes a submission (报送)."""

from __future__ import annotations

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


def register(app: typer.Typer) -> None:
    @app.command()
    def intake(
        file: Annotated[Path, typer.Argument(help="报送的 Word 文档（.docx；安装了 LibreOffice 时也可以是 .doc）")],
        department: Annotated[str, typer.Option("--department", "-d", help="报送单位")],
        reporter: Annotated[str, typer.Option("--reporter", "-r", help="信息员（报送人）")],
        info_type: Annotated[str | None, typer.Option("--type", "-t", help="信息类型：动态、经验做法、问题建议、舆情（默认第一种）")] = None,
        date: Annotated[str | None, typer.Option("--date", help="报送日期，如 2026-11-20；默认现在")] = None,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """把报送单位的 Word 文档收为一条报送：正文转为稿件格式，图片另存（去除拍摄地点等 EXIF 信息），标题取第一个标题。"""
        from publisher.office.submissions.intake import IntakeError
        from publisher.office.submissions.intake import intake as take_in

        ws = open_workspace(content)
        when = moment_of(date, ws.matrix.tz)
        with ledger_of(ws.settings) as ledger:
            try:
                done = take_in(ledger, ws.matrix, ws.root, file, department=department, reporter=reporter,
                               info_type=info_type, when=when)  # fmt: skip
            except IntakeError as exc:
                raise fail(str(exc)) from None
        s = done.submission
        for warning in done.warnings:
            err_console.print(f"[yellow]提示：[/yellow]{warning}")
        console.print(f"已收到报送 {s.key}：“{s.title}”（标题取自{done.title_from}），{s.department} {s.reporter}，"
                      f"{s.info_type}，{done.pictures} 张图片，{done.footnotes} 个脚注。")  # fmt: skip
        console.print(f"文稿在 {done.folder.relative_to(ws.root).as_posix()}/index.md；"
                      f"采用：publisher submission adopt {s.key}")  # fmt: skip
