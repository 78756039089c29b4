"""`publisher run`: sync the content repo and publish on time, resident or once."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from publisher.cli.common import Workspace, console, err_console, open_workspace
from publisher.cli.session import (
    CONTENT,
    open_ledger,
    print_sync_report,
    sync_content,
)


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        content: Path = CONTENT,
        once: bool = typer.Option(False, "--once", help="发布所有到期稿件，等待结果后退出"),
        sync_every: float = typer.Option(None, "--sync-every", help="常驻运行时重新同步内容库的间隔（秒，默认 PUBLISHER_SYNC_SECONDS）"),
        timeout: float = typer.Option(600.0, "--timeout", help="--once 时最长等待时间（秒）"),
    ) -> None:
        """同步内容库并按时发布（内置线程池执行，不需要 Redis）。"""
        from publisher.publish.manual import finish_pending_retracts
        from publisher.schedule.executors import LocalExecutor

        ws = open_workspace(content, last_good=True)  # a restart must not stop on a bad commit
        # The loop's steps read the content folder from the settings: the one found here.
        ws.settings = ws.settings.model_copy(update={"content_dir": ws.root})
        runtime = open_ledger(ws, "ledger")
        executor = LocalExecutor(runtime, threads=runtime.scheduling.local_threads)
        try:
            if once:
                # A broken commit never stops publishing: what the last good one planned goes on.
                synced = sync_content(ws, runtime, keep_last_good=True)
                finish_pending_retracts(runtime)
                _publish_due_once(ws, runtime, executor, timeout, synced)
            else:
                _refuse_foreign_ledger(ws, runtime)
                _run_resident(ws, runtime, executor, sync_every)
        finally:
            executor.wait_idle(timeout=60)
            executor.shutdown()


def _publish_due_once(ws: Workspace, runtime, executor, timeout: float, synced: bool) -> None:
    """`run --once`: everything due now, with a progress bar, then a summary and one notification
    pass; the exit status tells whether it could do its job (`_exit_for`)."""
    from publisher.schedule.dispatcher import drain, pending_now

    asked = _due_ids(runtime)
    counts = pending_now(runtime)
    total = counts["due"] + counts["in_flight"] + counts["awaiting"]
    with Progress(
        TextColumn("[bold]发布中"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
        console=console, transient=not console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("publish", total=max(total, 1), note="")

        def show(now_counts: dict[str, int]) -> None:
            awaiting = now_counts["awaiting"]
            note = f"等待渠道结果 {awaiting} 条" if awaiting else ""
            progress.update(task, completed=max(0, total - sum(now_counts.values())), note=note)

        report = drain(runtime, executor, timeout=timeout, on_progress=show)
        progress.update(task, completed=max(total, 1))
    _print_summary(runtime, report.timed_out)
    _notify_after_run(runtime, ws)
    _exit_for(runtime, asked, synced)


def _refuse_foreign_ledger(ws: Workspace, runtime) -> None:
    """A ledger of another content repo never starts the loop (its syncs would fail every turn)."""
    from publisher.cli.common import fail
    from publisher.schedule.ledger_guard import LedgerMismatch, refuse_foreign

    try:
        refuse_foreign(runtime.ledger, ws.root, ws.settings)
    except LedgerMismatch as exc:
        raise fail(str(exc)) from None


def _run_resident(ws: Workspace, runtime, executor, sync_every: float | None) -> None:
    """The scheduling loop every deployment runs (publisher.schedule.loop), until Ctrl+C."""
    import threading

    from publisher.schedule.loop import SchedulingLoop, loop_steps

    steps = loop_steps(ws.settings, sync_seconds=sync_every)
    loop = SchedulingLoop(runtime, executor, steps, on_result=_print_step_result)
    console.print(f"常驻运行：每 {ws.settings.tick_seconds:g} 秒检查一次到期稿件（Ctrl+C 停止）")
    try:
        loop.run_forever(threading.Event())
    except KeyboardInterrupt:
        console.print("正在等待进行中的发布完成……")
    loop.join_background(timeout=30)


def _print_step_result(step, result) -> None:
    if step.name == "sync-content" and result is not None:  # None: refused, the step said why
        print_sync_report(result)
    elif step.name == "dispatch-tick" and result.submitted:
        console.print(f"已派发 {len(result.submitted)} 条发布")


def _notify_after_run(runtime, ws: Workspace) -> None:
    """`run --once`: one notification pass once publishing is done."""
    from publisher.office.notify import notify_once

    if not ws.matrix.notify.targets:
        return
    try:
        report = notify_once(runtime)  # with the configuration the sync accepted
    except Exception as exc:  # publishing is done; a notifier problem must not turn it into a failure
        err_console.print(f"[yellow]通知未能发送（下次运行时重试）：{escape(str(exc))}[/yellow]")
        return
    if report.queued or report.sent or report.failed:
        console.print(f"通知：已发送 {report.sent} 条" + (f"，{report.failed} 条稍后重试" if report.failed else ""))


def _due_ids(runtime) -> set[int]:
    """The rows this run is asked to publish: scheduled and due now, those of paused accounts
    and those held for `publisher adopt` included; not those an editor froze on purpose (a
    freeze is a decision, not a failure)."""
    from publisher.ledger import State
    from publisher.ledger.identity import is_held

    now = runtime.now()
    frozen = runtime.ledger.frozen_state()
    if frozen.global_freeze is not None:
        return set()
    # Rows held for `publisher adopt` (a new, foreign or restored ledger) were asked for too:
    # a run that sends none of them must not look like success to a cron job.
    rows = runtime.ledger.publications(state=[State.SCHEDULED, State.BLOCKED])
    return {p.id for p in rows if p.scheduled_at <= now and p.account_id not in frozen.accounts
            and (p.state is State.SCHEDULED or is_held(p))}  # fmt: skip


def _exit_for(runtime, asked: set[int], synced: bool) -> None:
    """Non-zero when the run could not do its job: a refused commit (2), or rows were due and
    not one of them went out (1) — so a cron job or a CI step notices."""
    from publisher.cli.common import EXIT_FINDINGS, EXIT_USAGE
    from publisher.ledger import State

    if not synced:
        err_console.print("[red]内容库的这次提交未被采用（原因见上），请尽快改正[/red]")
        raise typer.Exit(EXIT_USAGE)
    if not asked:
        return
    gone = (State.PUBLISHED, State.PUBLISHING, State.UNCONFIRMED)  # reached (or may have reached) the channel
    if not any(row is not None and row.state in gone for row in map(runtime.ledger.get, sorted(asked))):
        err_console.print(f"[red]本次应发布的 {len(asked)} 条稿件一条也没有发出（原因见上，publisher status 查看）[/red]")
        raise typer.Exit(EXIT_FINDINGS)


def _print_summary(runtime, timed_out: bool) -> None:
    from collections import Counter

    from publisher.office.status import status_rows

    rows = status_rows(runtime.ledger, runtime.settings.tz)
    counts = Counter(r.state_label for r in rows)
    console.print("当前：" + "，".join(f"{label} {n}" for label, n in sorted(counts.items())))
    held = Counter((r.reason, r.fix) for r in rows if r.held)
    if held:
        console.print(f"[yellow]暂缓 {sum(held.values())} 条（账号暂停、冻结或等待重试）：[/yellow]")
        for (reason, fix), n in sorted(held.items()):
            console.print(f"  {n} 条：{escape(reason)}")
            console.print(f"    处理：{escape(fix)}")
    problems = sum(1 for r in rows if r.state in ("failed", "unconfirmed", "blocked"))
    if problems:
        console.print("有稿件需要处理：publisher status --state failed / unconfirmed / blocked")
    if timed_out:
        err_console.print("[yellow]等待超时，仍有稿件未完成；再次运行 publisher run --once 继续[/yellow]")
