"""What the operating commands share: options, opening the ledger, syncing, handing claimed rows on."""

from __future__ import annotations

import typer
from rich.markup import escape

from publisher.cli.common import Workspace, console, err_console, fail

CONTENT = typer.Option(None, "--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）")
CHANNEL = typer.Option(None, "--channel", help="只处理这个渠道（渠道名见 publisher accounts）")
ACCOUNT = typer.Option(None, "--account", help="只处理这个账号")


def open_ledger(ws: Workspace, shared: str | None = None):
    from publisher.runtime.context import open_runtime

    try:
        return open_runtime(ws.settings, shared=shared or ("ledger" if ws.settings.executor == "local" else "redis"))
    except Exception as exc:
        raise fail(f"无法打开发布账本：{exc}") from None


def sync_content(ws: Workspace, runtime, *, keep_last_good: bool = False) -> bool:
    """Sync and say what changed. A commit that cannot be used stops the command, or with
    `keep_last_good` (`publisher run`) is said in yellow while publishing goes on with what the
    last good commit planned. Returns False when this commit was refused."""
    from publisher.content.matrix import MatrixError
    from publisher.content.source import SourceError
    from publisher.schedule.ledger_guard import LedgerMismatch
    from publisher.schedule.sync import ConfigRefused, SourceRefused, sync

    try:
        report = sync(ws.root, runtime.ledger, ws.settings)
    except (ConfigRefused, SourceRefused) as exc:
        if not keep_last_good:
            raise fail(str(exc)) from None
        err_console.print(f"[yellow]注意：{escape(str(exc))}[/yellow]")
        return False
    except (MatrixError, SourceError, LedgerMismatch) as exc:  # another repo's ledger: always stop
        raise fail(str(exc)) from None
    print_sync_report(report)
    held = runtime.ledger.held()
    if held:
        from publisher.ledger.identity import HELD_FIX

        err_console.print(f"[yellow]暂缓 {len(held)} 条：{held[0].blocked_reason}。{HELD_FIX}[/yellow]")
    return True


def print_sync_report(report) -> None:
    """One line of what the sync planned, then what could not be read."""
    from publisher.schedule.planner import ACTION_LABELS

    plan = report.plan
    counts = {a: plan.count(a) for a in ("create", "update", "blocked", "cancel", "changed", "site-update", "retract")}
    shown = "，".join(f"{ACTION_LABELS[k]} {v}" for k, v in counts.items() if v) or "无变化"
    source = f"提交 {report.commit[:10]}" if report.commit else "工作目录"
    console.print(f"已同步内容库（{source}）：{shown}")
    if report.unpushed:
        from publisher.content.source import unpushed_notice

        err_console.print(f"[yellow]{unpushed_notice(report.unpushed)}[/yellow]")
    for finding in report.findings:
        err_console.print(f"{escape(finding.location)}: [red]无法读取[/red] {escape(finding.message)}")


def publish_here(runtime, ids: list[int], timeout: float = 300.0) -> None:
    """Publish these claimed rows now, in this process, wait, and say how each went."""
    from publisher.schedule.dispatcher import publish_claimed
    from publisher.schedule.executors import LocalExecutor

    executor = LocalExecutor(runtime, threads=runtime.scheduling.local_threads)
    try:
        publish_claimed(runtime, executor, ids, timeout=timeout)
    finally:
        executor.shutdown()
    for pid in ids:
        row = runtime.ledger.get(pid)
        note = row.url or row.last_error_message or ""
        console.print(f"  {row.item_id} → {row.account_id}：{state_label(row.state)} {note}")


def state_label(state) -> str:
    from publisher.ledger import state_label as label

    return label(state)



def dispatch_claimed(runtime, ids: list[int], ws: Workspace) -> None:
    """Run claimed rows here (local executor) or hand them to the Celery workers."""
    if not ids:
        raise fail("稿件未能领取：可能已冻结、账号暂停，或已被其他进程处理（publisher status 查看）")
    if ws.settings.executor == "celery":
        from publisher.schedule.executors import ExecutorMissing, remote_executor

        try:
            executor = remote_executor(ws.settings.executor)
        except ExecutorMissing as exc:
            raise fail(str(exc)) from None
        for pid in ids:
            executor.submit(pid)
        console.print(f"已交给发布进程 {len(ids)} 条（publisher status 查看结果）")
        return
    publish_here(runtime, ids)


