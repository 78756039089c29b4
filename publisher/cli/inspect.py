"""`publisher inspect`: monitoring by the national rules; exit code 1 on a veto-level problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import CONTENT, console, ledger_of, moment_of, open_workspace


def site_folder(ws, site: Path | None) -> Path:
    """The built site: --site, else the site account's out_dir, else the state folder's site/."""
    if site is not None:
        return site
    from publisher.render.renditions import website_dir

    return website_dir(ws.matrix, ws.settings.site_dir)


def register(app: typer.Typer) -> None:
    @app.command()
    def inspect(
        fmt: Annotated[str, typer.Option("--format", "-f", help="text / json")] = "text",
        now: Annotated[str | None, typer.Option("--now", help="监测时间点，如 2026-12-20 10:00；默认为现在")] = None,
        site: Annotated[Path | None, typer.Option("--site", help="已生成的网站目录；默认为网站账号的 out_dir 或状态目录下的 site/")] = None,
        strict: Annotated[bool, typer.Option("--strict", help="任何“问题”级别的发现都以退出码 1 结束（默认只有单项否决）")] = False,
        no_site: Annotated[bool, typer.Option("--no-site", help="只检查新媒体账号，不检查网站")] = False,
        save: Annotated[bool, typer.Option("--save/--no-save", help="把结果保存到状态目录 inspection/latest.json")] = False,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """监测账号与网站：僵尸号、首页和栏目更新、空白栏目、失效链接与缺失图片。"""
        from publisher.office.inspection import render_text, run_inspection, save_result

        if fmt not in ("text", "json"):
            raise typer.BadParameter("可选 text 或 json", param_hint="--format")
        ws = open_workspace(content)
        moment = moment_of(now, ws.matrix.tz)
        folder = None if no_site else site_folder(ws, site)
        with ledger_of(ws.settings) as ledger:
            result = run_inspection(ledger, ws.matrix, folder, moment)
        if save:
            save_result(result, ws.settings.state_dir)
        if fmt == "json":
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            for line in render_text(result, ws.matrix.tz).splitlines():
                console.print(line, markup=False)
        raise typer.Exit(result.exit_code(strict=strict))
