"""`publisher site build [--out DIR]`: the static website from every item that is live now."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import EXIT_FINDINGS, console, err_console, fail, open_workspace
from publisher.content.timeparse import parse_local_datetime


def register(app: typer.Typer) -> None:
    site = typer.Typer(help="门户网站：生成与部署静态网站。", no_args_is_help=True)
    app.add_typer(site, name="site")

    @site.command("build")
    def build(
        out: Annotated[Path | None, typer.Option("--out", "-o", help="输出目录；默认为网站账号的 out_dir 或状态目录下的 site/")] = None,
        content: Annotated[Path | None, typer.Option("--content", help="内容库根目录（含 publisher.toml）")] = None,
        workers: Annotated[int | None, typer.Option("--workers", "-j", min=1, help="并行进程数；默认为 CPU 核数")] = None,
        run_deploy: Annotated[bool, typer.Option("--deploy/--no-deploy", help="生成后按网站账号设置部署")] = False,
        now: Annotated[str | None, typer.Option("--now", help="按此时间生成（预览定时稿件），如 2026-11-20 09:00；默认为当前时间")] = None,
    ) -> None:
        """生成门户网站：已到发布时间、未下线、非草稿且发往网站的条目。"""
        from channels.errors import ChannelError
        from publisher.publish.website import NoWebsite, build_website
        from publisher.render.renditions import RenderingError

        workspace = open_workspace(content)
        try:
            moment = parse_local_datetime(now, workspace.matrix.tz) if now else None
        except ValueError as exc:
            raise fail(str(exc)) from None
        started = time.perf_counter()
        try:
            built = build_website(workspace.root, workspace.matrix, workspace.settings, out=out, now=moment, workers=workers)
        except (NoWebsite, RenderingError) as exc:
            raise fail(str(exc)) from None
        report, target = built.report, built.folder
        seconds = time.perf_counter() - started
        for problem in report.problems:
            err_console.print(f"[yellow]警告：[/yellow]{problem}")
        console.print(
            f"网站已生成：{target}（{report.pages} 个页面；写入 {len(report.written)} 个文件，"
            f"未变 {len(report.unchanged)} 个，删除 {len(report.removed)} 个；用时 {seconds:.2f} 秒）"
        )
        if run_deploy:
            try:
                console.print(built.channel.deploy_pages(target))
            except ChannelError as exc:
                raise fail(f"部署失败：{exc.message}", EXIT_FINDINGS) from None
