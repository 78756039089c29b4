"""`publisher demo` (what `make demo` runs): the main job on embedded defaults.

Copies the sample content into a git repo whose history records each sign-off as a commit by the
registered reviewer (sign-offs count only that way), checks it, writes previews, starts the channel sandboxes, syncs and publishes
everything due with the local executor (SQLite ledger, no Redis), builds the site, prints the
status and where to look. With a terminal attached it keeps the sandboxes and the site served
until Ctrl+C, so the published articles can be opened in a browser.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import busy_port_sentence, console, open_workspace, port_taken
from publisher.settings import Settings, ensure_private_dir, secret_env_name


def _serve_folder(folder: Path, port: int) -> http.server.ThreadingHTTPServer | OSError:
    """The site's folder over HTTP, or the error that kept the port from being used."""
    handler = functools.partial(_QuietFiles, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        return exc
    threading.Thread(target=server.serve_forever, daemon=True, name="site-server").start()
    return server


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        pass


def _sandbox_credentials(matrix) -> dict[str, str]:
    """Sandbox credentials for every account, as environment variables."""
    from channels.registry import channel_class

    # Each channel says what its sandbox accepts, per account: one sandbox user per account, so
    # two accounts never share a user (platforms refuse the same text twice from one user).
    credentials = {}
    for account in matrix.accounts:
        cls = channel_class(account.channel)
        for name, value in (cls.sandbox_secrets(account.id) if cls is not None else {}).items():
            credentials[secret_env_name(account.id, name)] = value
    return credentials


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        content: Annotated[Path | None, typer.Option("--content", help="内容库目录；默认 content/")] = None,
        sandbox_port: Annotated[int, typer.Option("--sandbox-port", help="渠道沙箱端口（make demo SANDBOX_PORT=…）")] = 8800,
        site_port: Annotated[int | None, typer.Option("--site-port", help="门户网站页面端口；默认取 publisher.toml 中 site.base_url 的端口（make demo SITE_PORT=…）")] = None,
        serve: Annotated[bool | None, typer.Option("--serve/--no-serve", help="结束后继续提供沙箱和网站页面（默认：在终端中运行时）")] = None,
    ) -> None:
        """演示：检查稿件、生成预览、启动渠道沙箱、发布到期稿件、生成网站，并告诉你去哪里看。"""
        state, ws = _fresh_workspace(content)
        previews = _check_and_preview(ws, state)
        sandbox = _start_sandboxes(sandbox_port)
        # The editor's own commands, each in its own process, told through their environment
        # (the way an editor's shell tells them) where the demo's state and sandboxes are.
        env = {**_sandbox_credentials(ws.matrix), **os.environ, "PUBLISHER_STATE_DIR": str(state),
               "PUBLISHER_EXECUTOR": "local", "PUBLISHER_SANDBOX_URL": sandbox.url}  # fmt: skip
        env.pop("PUBLISHER_DATABASE_URL", None)
        try:
            console.rule("[bold]4. 同步并发布到期稿件（本机执行器，SQLite 台账）")
            # A new ledger sends no history on its own (issue 13): the demo is a new office whose
            # channels hold nothing yet, so the operator asks them (adopt) and says to catch up.
            _run_commands(ws, env, ["adopt", "--catch-up"], ["run", "--once"], ["status"])
            site_dir = _build_site(ws)
            console.rule("[bold]6. 传播数据与发布看板")
            dashboard_dir = state / "dashboard"
            _run_commands(ws, env, ["reach"], ["dashboard", "--out", str(dashboard_dir)])
            report_file = _quarterly_report(ws, state)
            _where_to_look(ws, state, previews, site_dir, dashboard_dir, report_file)
            keep = sys.stdin.isatty() and sys.stdout.isatty() if serve is None else serve
            if keep:
                _serve_until_interrupted(ws, sandbox, site_dir, site_port)
            else:
                console.print("• 沙箱中已发布的内容：沙箱只在演示运行时提供页面；"
                              f"在终端中运行 make demo（或 publisher demo --serve），即可在 {sandbox.url}/ 浏览")
        finally:
            sandbox.stop()


def _fresh_workspace(content: Path | None):
    """A clean state folder of its own every time (the sandboxes keep posts in memory only, so a
    ledger remembering earlier demo posts would show nothing), and a signed copy of the content."""
    from publisher.content.signed_repo import build_signed_repo

    state = (Settings().state_dir / "demo").resolve()
    if state.exists():
        shutil.rmtree(state)
    ensure_private_dir(state)
    source = open_workspace(content)
    # Sign-offs count only as commits by the registered reviewers: the demo works on a copy
    # whose git history records each sign-off that way (publisher.content.signed_repo).
    ws = open_workspace(build_signed_repo(source.root, state / "content", source.matrix))
    ws.settings = Settings(state_dir=state, database_url=None, executor="local", content_dir=ws.root)
    console.print(f"演示使用独立的状态目录 {state}（每次重新开始）")
    console.print(f"内容库副本 {ws.root}：每条签发都是登记的审核人本人的 git 提交（git -C {ws.root} log 可查看）")
    return state, ws


def _check_and_preview(ws, state: Path) -> Path:
    from publisher.checks import check_items
    from publisher.office.preview import write_preview
    from publisher.render.renditions import image_cache_in

    console.rule("[bold]1. 检查稿件")
    report = check_items(ws.root, ws.matrix, settings=ws.settings)
    console.print(f"检查了 {report.items_checked} 个条目：{len(report.errors)} 个错误，{len(report.warnings)} 个警告"
                  + ("（详见 publisher check）" if report.findings else ""))
    console.rule("[bold]2. 生成预览")
    previews = state / "preview"
    cache = image_cache_in(state)
    for item in report.items:
        write_preview(item, ws.matrix, previews / f"{item.id.replace('/', '-')}.html",
                      settings=ws.settings, image_cache=cache)
    console.print(f"已为 {len(report.items)} 个条目生成预览：{previews}")
    return previews


def _start_sandboxes(port: int):
    from channels.sandbox_server import start_sandbox

    console.rule("[bold]3. 启动渠道沙箱")
    taken = port_taken("127.0.0.1", port)
    if taken is None:
        sandbox = start_sandbox(port=port)
    else:
        sandbox = start_sandbox(port=0)
        console.print(f"[yellow]{busy_port_sentence(port, taken, '渠道沙箱', '--sandbox-port', 'SANDBOX_PORT')}"
                      f"本次改用空闲端口 {sandbox.url.rsplit(':', 1)[-1]}。[/yellow]")
    console.print(f"渠道沙箱：{sandbox.url}/")
    return sandbox


def _run_commands(ws, env: dict[str, str], *commands: list[str]) -> None:
    """The same commands an editor runs, so the demo shows exactly their behaviour."""
    for command in commands:
        sys.stdout.flush()
        done = subprocess.run([sys.executable, "-m", "publisher", *command, "--content", str(ws.root)],
                              env=env, check=False)  # fmt: skip
        if done.returncode:
            raise typer.Exit(done.returncode)


def _build_site(ws) -> Path:
    """The same path as `publisher site build`: pages only for what the ledger holds as published."""
    from publisher.publish.website import build_website

    console.rule("[bold]5. 按发布台账重新生成门户网站")
    built = build_website(ws.root, ws.matrix, ws.settings)
    console.print(f"网站已生成：{built.folder}（{built.report.pages} 个页面，{built.live} 篇已发布稿件）")
    return built.folder


def _quarterly_report(ws, state: Path) -> Path | None:
    """One item the demo published is adopted by a provincial 政务信息 up to three days later (what
    `publisher adopted` records), and the quarter's 通报 (`publisher report`) is written with that
    上级采用 in it. In this process: two more child processes would double this step's time."""
    from publisher.ledger import State, open_ledger
    from publisher.office.reports import Quarter, build_quarterly_report, render_report
    from publisher.office.submissions.adoption import record_adoption

    console.rule("[bold]7. 信息报送季度通报（含上级采用）")
    with open_ledger(ws.settings.resolved_database_url) as ledger:
        published = sorted((p for p in ledger.publications(state=State.PUBLISHED) if p.published_at),
                           key=lambda p: p.published_at)  # fmt: skip
        if not published:
            return None
        first = published[0]
        # Three days after it went out, but never in the future (an adoption is recorded after it happens).
        day = min(first.published_at + timedelta(days=3), datetime.now(UTC)).astimezone(ws.matrix.tz)
        subject, _ = record_adoption(ledger, ws.matrix, ws.root, first.item_id, level="省级",
                                     outlet="省政府办公厅《政务信息》", adopted_at=day)  # fmt: skip
        quarter = Quarter.containing(day, ws.matrix.tz)
        report = build_quarterly_report(ledger, ws.matrix, quarter)
    out = state / f"信息报送通报-{quarter.code}.html"
    out.write_bytes(render_report(report, "html"))
    total = report.total
    console.print(f"“{subject.title}”{day:%m月%d日}被省政府办公厅《政务信息》采用（publisher adopted）。")
    console.print(f"{quarter.label}：报送 {total.submitted} 条，采用 {total.adopted} 条，上级采用 {total.upper} 条，"
                  f"积分合计 {total.score:g}（publisher report）")  # fmt: skip
    return out


def _where_to_look(ws, state: Path, previews: Path, site_dir: Path, dashboard_dir: Path,
                   report_file: Path | None = None) -> None:  # fmt: skip
    console.rule("[bold]去哪里看")
    console.print(f"• 稿件预览（每条稿件在各渠道的效果）：{previews}/")
    console.print(f"• 门户网站文件：{site_dir}/index.html")
    console.print(f"• 发布看板（日历、状态、巡检、季度报表）：{dashboard_dir}/index.html")
    if report_file is not None:
        console.print(f"• 季度通报（含上级采用、目标完成情况）：{report_file}")
    console.print(f"• 台账：{ws.settings.resolved_database_url}（查看：PUBLISHER_STATE_DIR={state} .venv/bin/publisher status）")


def _serve_until_interrupted(ws, sandbox, site_dir: Path, site_port: int | None) -> None:
    if site_port is None:
        base = ws.matrix.site.base_url
        site_port = int(base.rsplit(":", 1)[-1].split("/")[0]) if base.count(":") == 2 else 8000
    site_server = _serve_folder(site_dir, site_port)
    published = " 与 ".join(f"{sandbox.base_url(name)}/" for name in sandbox.apps)
    console.print(f"• 沙箱中已发布的内容：{published}")
    if isinstance(site_server, OSError):
        console.print(f"[yellow]• {busy_port_sentence(site_port, site_server, '门户网站页面', '--site-port', 'SITE_PORT')}"
                      f"网站文件仍在 {site_dir}/index.html。[/yellow]")
        site_server = None
    else:
        console.print(f"• 门户网站：http://127.0.0.1:{site_port}/")
    console.print("按 Ctrl+C 结束演示。")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("演示结束。")
    finally:
        if site_server is not None:
            site_server.shutdown()
