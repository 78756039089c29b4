"""`publisher site build [--out DIR] [--deploy] [--preview]`: the website rebuilt from the ledger.
(`publisher site build` without --deploy usually runs through the light entry,
publisher/cli/site_build.py, which prints the same report; this command takes the rest.)

The site's pages are exactly the website account's publications the ledger holds as published
(not retracted, not expired; publisher.publish.website). `--preview` builds from the working
tree's files instead, only items that pass every check, into a separate folder, and never deploys.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from publisher.cli.common import EXIT_FINDINGS, console, err_console, fail, open_workspace
from publisher.cli.site_build import report_lines
from publisher.content.timeparse import parse_local_datetime


def register(app: typer.Typer) -> None:
    site = typer.Typer(help="门户网站：按发布台账生成与部署静态网站。", no_args_is_help=True)
    app.add_typer(site, name="site")

    @site.command("build")
    def build(
        out: Annotated[Path | None, typer.Option("--out", "-o", help="输出目录；默认为网站账号的 out_dir 或状态目录下的 site/（预览为 site-preview/）")] = None,
        content: Annotated[Path | None, typer.Option("--content", help="内容库根目录（含 publisher.toml）")] = None,
        workers: Annotated[int | None, typer.Option("--workers", "-j", min=1, help="并行进程数；默认为 CPU 核数")] = None,
        run_deploy: Annotated[bool, typer.Option("--deploy/--no-deploy", help="生成后按网站账号设置部署")] = False,
        now: Annotated[str | None, typer.Option("--now", help="按此时间判断下线（预览时也判断发布时间），如 2026-11-20 09:00；默认为当前时间")] = None,
        preview: Annotated[bool, typer.Option("--preview", help="本地预览：直接读取稿件文件（只含通过全部检查的条目），不能部署")] = False,
    ) -> None:
        """重新生成门户网站：页面只来自发布台账中已在网站发布、未撤稿、未过下线时间的稿件。"""
        from channels.errors import ChannelError
        from publisher.cli.site_preview import build_checked_preview
        from publisher.publish.website import NoWebsite, build_website, freeze_reason
        from publisher.render.renditions import RenderingError

        workspace = open_workspace(content)
        if preview and run_deploy:
            raise fail("本地预览不能部署：预览直接读取稿件文件，未经发布台账；要部署请去掉 --preview")
        try:
            moment = parse_local_datetime(now, workspace.matrix.tz) if now else None
        except ValueError as exc:
            raise fail(str(exc)) from None
        started = time.perf_counter()
        make = build_checked_preview if preview else build_website
        try:
            built = make(workspace.root, workspace.matrix, workspace.settings, out=out, now=moment, workers=workers)
        except (NoWebsite, RenderingError) as exc:
            raise fail(str(exc)) from None
        target = built.folder
        warnings, lines = report_lines(built, preview, time.perf_counter() - started)
        for warning in warnings:
            err_console.print(f"[yellow]警告：[/yellow]{escape(warning)}")
        for line in lines:
            console.print(escape(line))
        if run_deploy:
            frozen = freeze_reason(workspace.matrix, workspace.settings)
            if frozen is not None:
                raise fail(f"网站处于停发状态（{frozen}），未部署；解除停发后再部署（publisher unfreeze）", EXIT_FINDINGS)
            try:
                console.print(built.channel.deploy_pages(target))
            except ChannelError as exc:
                raise fail(f"部署失败：{exc.message}", EXIT_FINDINGS) from None
