"""`publisher dashboard`: the read-only dashboard as static pages, or served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import CONTENT, console, fail, ledger_of, moment_of, open_workspace
from publisher.cli.inspect import site_folder


def register(app: typer.Typer) -> None:
    @app.command()
    def dashboard(
        out: Annotated[Path | None, typer.Option("--out", "-o", help="输出目录；默认为状态目录下的 dashboard/")] = None,
        serve: Annotated[bool, typer.Option("--serve", help="生成后在本机提供网页服务（只读）")] = False,
        host: Annotated[str, typer.Option("--host", help="监听地址；默认只监听本机 127.0.0.1")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="端口", min=0, max=65535)] = 8765,
        now: Annotated[str | None, typer.Option("--now", help="按此时间生成，如 2026-12-20 10:00")] = None,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """发布看板：状态（失败、未确认、受阻优先）、发布日历、监测结果、季度通报图表。"""
        from publisher.office.dashboard import build_dashboard
        from publisher.office.dashboard.server import make_server

        ws = open_workspace(content, last_good=True)
        target = out or ws.settings.state_dir / "dashboard"
        ledger = ledger_of(ws.settings)
        site = site_folder(ws, None)

        def rebuild() -> Path:
            moment = moment_of(now, ws.matrix.tz)
            return build_dashboard(ledger, ws.matrix, ws.settings, target, moment, site_dir=site)

        try:
            index = rebuild()
            console.print(f"看板已生成：{index}")
            if not serve:
                return
            try:
                server = make_server(target, host=host, port=port, rebuild=rebuild, fresh=True)
            except OSError as exc:
                raise fail(f"无法监听 {host}:{port}：{exc}") from None
            shown = f"[{host}]" if ":" in host else host
            console.print(f"看板服务：http://{shown}:{server.server_port}/ （只读；按 Ctrl-C 停止）")
            if host not in ("127.0.0.1", "localhost", "::1"):
                console.print("[yellow]注意：[/yellow]看板未设登录，监听非本机地址时同一网络中的任何人都能查看")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
        finally:
            ledger.close()
