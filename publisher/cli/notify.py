"""`publisher notify …`: test the targets, run a pass, see the outbox, run the robot sandbox.

The work is in `publisher.office.notify`; these commands parse and print.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.markup import escape

from publisher.cli.common import (
    EXIT_FINDINGS,
    busy_port_sentence,
    console,
    err_console,
    fail,
    open_workspace,
    port_taken,
)

CONTENT = typer.Option(None, "--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）")

notify_app = typer.Typer(
    help="通知：邮件、企业微信群机器人、钉钉群机器人（在 publisher.toml 的 notify 部分配置）。",
    no_args_is_help=True,
)


def _runtime(ws):
    from publisher.runtime.context import open_runtime

    try:
        return open_runtime(ws.settings)
    except Exception as exc:
        raise fail(f"无法打开发布账本：{exc}") from None


@notify_app.command("test")
def test_command(content: Path = CONTENT) -> None:
    """向每个通知对象发送一条测试消息，逐个报告结果。"""
    from datetime import UTC, datetime

    from publisher.office.notify import send_test

    ws = open_workspace(content)
    if not ws.matrix.notify.targets:
        raise fail("publisher.toml 中没有配置通知对象（[[notify.targets]]），见 docs/notifications.md")
    failed = 0
    for target, problem in send_test(ws.matrix, datetime.now(UTC)):
        where = f"{target.label}（{target.kind}）"
        if problem is None:
            console.print(f"[green]已发送[/green] {escape(where)}")
        else:
            failed += 1
            err_console.print(f"[red]发送失败[/red] {escape(where)}：{escape(problem)}")
    if failed:
        raise typer.Exit(EXIT_FINDINGS)


@notify_app.command("run")
def run_command(
    content: Path = CONTENT,
    ticks: int = typer.Option(1, "--ticks", min=1, help="运行几轮（默认一轮后退出）"),
    interval: float = typer.Option(1.0, "--interval", min=0.0, help="两轮之间的间隔（秒）"),
) -> None:
    """收集待通知的事件并发送（publisher run 与 Celery 已自动进行，这里供 cron 或排查使用）。"""
    from publisher.office.notify import notify_once

    ws = open_workspace(content)
    runtime = _runtime(ws)
    totals = {"queued": 0, "sent": 0, "deferred": 0, "failed": 0}
    for n in range(ticks):
        report = notify_once(runtime, root=ws.root)
        for key in totals:
            totals[key] += getattr(report, key)
        for problem in report.errors:
            err_console.print(f"[yellow]{escape(problem)}[/yellow]")
        if n + 1 < ticks:
            time.sleep(interval)
    console.print(
        f"新加入队列 {totals['queued']} 条，已发送 {totals['sent']} 条，"
        f"限流推迟 {totals['deferred']} 条，发送失败 {totals['failed']} 条（稍后自动重试）"
    )


@notify_app.command("status")
def status_command(content: Path = CONTENT) -> None:
    """通知队列：已发送、等待发送、放弃发送的条数，以及未发出的原因。"""
    from publisher.content.notifications import EVENT_LABELS

    ws = open_workspace(content)
    ledger = _runtime(ws).ledger
    counts = ledger.notice_counts()
    names = {"sent": "已发送", "pending": "等待发送", "failed": "已放弃"}
    console.print("通知：" + ("，".join(f"{names.get(k, k)} {v}" for k, v in sorted(counts.items())) or "无记录"))
    tz = ws.settings.tz
    for notice in ledger.notices(state="pending") + ledger.notices(state="failed"):
        title = notice.message.get("title", "")
        when = notice.next_attempt_at.astimezone(tz).strftime("%m-%d %H:%M")
        state = "已放弃" if notice.state == "failed" else f"{when} 再发"
        console.print(
            f"  {escape(notice.target_id)}：{EVENT_LABELS.get(notice.event, notice.event)}「{escape(title)}」"
            f"——{state}" + (f"（{escape(notice.last_error)}）" if notice.last_error else "")
        )


@notify_app.command("sandbox")
def sandbox_command(
    port: int = typer.Option(8900, "--port", "-p", help="监听端口（0 表示随机空闲端口）"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址；管理接口始终只接受本机访问"),
) -> None:
    """启动本地群机器人沙箱（模拟企业微信与钉钉群机器人），页面显示群里收到的消息。"""
    from publisher.office.notify.sandbox import (
        SANDBOX_DINGTALK_SECRET,
        SANDBOX_DINGTALK_TOKEN,
        SANDBOX_WECOM_KEY,
        build_robot_sandbox,
    )

    taken = port_taken(host, port)
    if taken is not None:
        raise fail(busy_port_sentence(port, taken, "群机器人沙箱", "--port"))
    try:
        handle = build_robot_sandbox(host, port)
    except OSError as exc:
        raise fail(busy_port_sentence(port, exc, "群机器人沙箱", "--port")) from None
    console.print(f"群机器人沙箱已启动：{handle.url}/（收到的消息）")
    console.print(f"  企业微信 base_url = {handle.wecom_base_url}（PUBLISHER_SECRET_<对象>_KEY={SANDBOX_WECOM_KEY}）")
    console.print(
        f"  钉钉     base_url = {handle.dingtalk_base_url}（PUBLISHER_SECRET_<对象>_TOKEN={SANDBOX_DINGTALK_TOKEN}，"
        f"PUBLISHER_SECRET_<对象>_SIGN={SANDBOX_DINGTALK_SECRET}）"
    )
    console.print("按 Ctrl+C 停止。")
    try:
        handle.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        handle.server.server_close()
        console.print("群机器人沙箱已停止。")


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
