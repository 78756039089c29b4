"""`publisher site build [--out DIR]`: the static website from every item that is live now."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from publisher.cli.common import EXIT_FINDINGS, console, err_console, fail, open_workspace
from publisher.content.matrix import Matrix
from publisher.content.timeparse import parse_local_datetime


def site_config(matrix: Matrix):
    """Options of the site account (the default one first); plain defaults when there is none."""
    from channels.site.config import SiteConfig

    accounts = sorted(matrix.accounts_for("site"), key=lambda a: not a.default)
    if not accounts:
        return SiteConfig()
    try:
        return SiteConfig.model_validate(accounts[0].options)
    except ValidationError as exc:
        raise fail(f"网站账号“{accounts[0].id}”的设置有误：{exc.errors()[0]['msg']}") from None


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
        # Imported here so other commands do not pay for the builder's imports.
        from channels.site.builder import build_site
        from channels.site.deploy import DeployError, deploy
        from channels.site.output import default_state_dir
        from publisher.render.renditions import image_cache_in

        workspace = open_workspace(content)
        try:
            moment = parse_local_datetime(now, workspace.matrix.tz) if now else None
        except ValueError as exc:
            raise fail(str(exc)) from None
        config = site_config(workspace.matrix)
        target = out or config.out_dir or workspace.settings.site_dir
        started = time.perf_counter()
        report = build_site(
            workspace.root, workspace.matrix, target, now=moment, state_dir=default_state_dir(target), workers=workers,
            config=config, image_dir=image_cache_in(workspace.settings.state_dir).folder,
        )
        seconds = time.perf_counter() - started
        for problem in report.problems:
            err_console.print(f"[yellow]警告：[/yellow]{problem}")
        console.print(
            f"网站已生成：{target}（{report.pages} 个页面；写入 {len(report.written)} 个文件，"
            f"未变 {len(report.unchanged)} 个，删除 {len(report.removed)} 个；用时 {seconds:.2f} 秒）"
        )
        if run_deploy:
            try:
                console.print(deploy(target, config))
            except DeployError as exc:
                raise fail(f"部署失败：{exc}", EXIT_FINDINGS) from None
