"""`publisher archive --quarter 2026Q4 --out DIR` and `publisher archive verify DIR`: the archive
of what was published (publisher.office.archive)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import EXIT_FINDINGS, console, err_console, fail, open_workspace
from publisher.cli.report import CONTENT


def register(app: typer.Typer) -> None:
    archive = typer.Typer(help="资料归档：把一个期间内发布的全部内容、签发和操作记录归档，并可核对归档。")
    app.add_typer(archive, name="archive")

    @archive.callback(invoke_without_command=True)
    def build(
        ctx: typer.Context,
        quarter: Annotated[str | None, typer.Option("--quarter", "-q", help="季度，如 2026Q4")] = None,
        year: Annotated[str | None, typer.Option("--year", help="整年，如 2026")] = None,
        start: Annotated[str | None, typer.Option("--from", help="起始日期（含），如 2026-10-01；与 --to 同用")] = None,
        end: Annotated[str | None, typer.Option("--to", help="结束日期（含），如 2026-12-31")] = None,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="归档目录：须为空目录、新目录或同一期间之前的归档")] = None,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """生成归档：期间内每一次发布的内容原样（正文、图片、视频、网页）、审核签发、操作记录、SHA-256 清单和离线可看的索引页。"""
        if ctx.invoked_subcommand is not None:
            return
        from publisher.office.archive import (
            ArchiveError,
            PeriodError,
            SecretInArchive,
            build_archive,
            choose_period,
        )
        from publisher.runtime.context import open_runtime

        try:
            period = choose_period(quarter, year, start, end)
        except PeriodError as exc:
            raise fail(str(exc)) from None
        if out is None:
            raise fail("请用 --out 指定归档目录，如 --out 归档-2026Q4")
        ws = open_workspace(content)
        try:
            runtime = open_runtime(ws.settings, shared="memory")
        except Exception as exc:
            raise fail(f"无法打开发布账本：{exc}") from None
        try:
            result = build_archive(runtime, period, out, content_root=ws.root, tz=ws.matrix.tz,
                                   progress=lambda line: err_console.print(line))
        except (ArchiveError, SecretInArchive) as exc:
            raise fail(str(exc)) from None
        console.print(result.summary(period.label))
        for problem in result.problems:
            err_console.print(f"[yellow]注意：[/yellow]{problem}")
        console.print(f"用浏览器打开 {(out / 'index.html').resolve()} 查看；核对：publisher archive verify {out}")

    @archive.command("verify")
    def verify(folder: Annotated[Path, typer.Argument(help="归档目录")]) -> None:
        """核对归档：每个文件的 SHA-256 与清单一致，没有缺失、改动或多出的文件。"""
        from publisher.office.archive import verify_folder

        result = verify_folder(folder)
        for line in result.lines():
            (console if result.ok else err_console).print(line, markup=False)
        if not result.ok:
            raise typer.Exit(EXIT_FINDINGS)
