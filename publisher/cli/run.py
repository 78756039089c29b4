"""`publisher run`: sync the content repo and publish on time, resident or once."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from publisher.cli.common import Workspace, console, err_console, open_workspace
from publisher.cli.session import (
    CONTENT,
    open_ledger,
    state_label,
    sync_content,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        content: Path = CONTENT,
        once: bool = typer.Option(False, "--once", help="发布所有到期稿件，等待结果后退出"),
        sync_every: float = typer.Option(60.0, "--sync-every", help="常驻运行时重新同步内容库的间隔（秒）"),
        timeout: float = typer.Option(600.0, "--timeout", help="--once 时最长等待时间（秒）"),
    ) -> None:
        """同步内容库并按时发布（内置线程池执行，不需要 Redis）。"""
        from publisher.publish.manual import finish_pending_retracts
        from publisher.schedule.dispatcher import drain, pending_now, poll, tick
        from publisher.schedule.executors import LocalExecutor

        ws = open_workspace(content)
        runtime = open_ledger(ws, "ledger")
        sync_content(ws, runtime)
        finish_pending_retracts(runtime)
        executor = LocalExecutor(runtime, threads=runtime.scheduling.local_threads)
        notifier = None
        try:
            if once:
                counts = pending_now(runtime)
                total = counts["due"] + counts["in_flight"] + counts["awaiting"]
                with Progress(
                    TextColumn("[bold]发布中"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                    console=console, transient=not console.is_terminal,
                ) as progress:  # fmt: skip
                    task = progress.add_task("publish", total=max(total, 1), note="")

                    def show(now_counts: dict[str, int]) -> None:
                        left = sum(now_counts.values())
                        progress.update(
                            task, completed=max(0, total - left),
                            note=f"等待渠道结果 {now_counts['awaiting']} 条" if now_counts["awaiting"] else "",
                        )  # fmt: skip

                    report = drain(runtime, executor, timeout=timeout, on_progress=show)
                    progress.update(task, completed=max(total, 1))
                _print_summary(runtime, report.timed_out)
                _notify_after_run(runtime, ws)
                return
            console.print(f"常驻运行：每 {ws.settings.tick_seconds:g} 秒检查一次到期稿件（Ctrl+C 停止）")
            notifier = _start_notifier(runtime, ws)
            last_sync = last_poll = time.monotonic()
            while True:
                result = tick(runtime, executor)
                if result.submitted:
                    console.print(f"已派发 {len(result.submitted)} 条发布")
                now = time.monotonic()
                if now - last_poll >= runtime.scheduling.poll_seconds:
                    poll(runtime)
                    finish_pending_retracts(runtime)
                    last_poll = now
                if now - last_sync >= sync_every:
                    sync_content(ws, runtime)
                    last_sync = now
                time.sleep(ws.settings.tick_seconds)
        except KeyboardInterrupt:
            console.print("正在等待进行中的发布完成……")
        finally:
            executor.wait_idle(timeout=60)
            executor.shutdown()
            if not once and notifier is not None:
                notifier.stop()



def _start_notifier(runtime, ws: Workspace):
    """Notifications on their own thread (never on the publishing path), when any are set up."""
    from publisher.office.notify.notifier import NotifierThread, NotifyLoopSettings

    interval = NotifyLoopSettings().notify_seconds
    if not ws.matrix.notify.targets or not interval:
        return None
    notifier = NotifierThread(runtime, ws.root, interval)
    notifier.start()
    return notifier


def _notify_after_run(runtime, ws: Workspace) -> None:
    """`run --once`: one notification pass once publishing is done."""
    from publisher.office.notify import notify_once

    if not ws.matrix.notify.targets:
        return
    try:
        report = notify_once(runtime, root=ws.root)
    except Exception as exc:  # publishing is done; a notifier problem must not turn it into a failure
        err_console.print(f"[yellow]通知未能发送（下次运行时重试）：{escape(str(exc))}[/yellow]")
        return
    if report.queued or report.sent or report.failed:
        console.print(f"通知：已发送 {report.sent} 条" + (f"，{report.failed} 条稍后重试" if report.failed else ""))


def _print_summary(runtime, timed_out: bool) -> None:
    from collections import Counter

    counts = Counter(r.state for r in runtime.ledger.publications())
    console.print("当前：" + "，".join(f"{state_label(s)} {n}" for s, n in sorted(counts.items())))
    problems = counts.get("failed", 0) + counts.get("unconfirmed", 0) + counts.get("blocked", 0)
    if problems:
        console.print("有稿件需要处理：publisher status --state failed / unconfirmed / blocked")
    if timed_out:
        err_console.print("[yellow]等待超时，仍有稿件未完成；再次运行 publisher run --once 继续[/yellow]")
