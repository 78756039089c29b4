"""Operating commands: run, publish, republish, retract, retry, status, freeze, unfreeze, log.

Commands parse and call `publisher.schedule.dispatcher`, `publisher.publish.manual` and `publisher.office.status`;
every manual action is audited under the OS user.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from publisher.cli.common import EXIT_USAGE, Workspace, console, err_console, fail, open_workspace
from publisher.cli.layout import use_table, wide_console

CONTENT = typer.Option(None, "--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）")
CHANNEL = typer.Option(None, "--channel", help="只处理这个渠道（渠道名见 publisher accounts）")
ACCOUNT = typer.Option(None, "--account", help="只处理这个账号")


def _runtime(ws: Workspace, shared: str | None = None):
    from publisher.runtime.context import open_runtime

    try:
        return open_runtime(ws.settings, shared=shared or ("ledger" if ws.settings.executor == "local" else "redis"))
    except Exception as exc:
        raise fail(f"无法打开发布账本：{exc}") from None


def _sync(ws: Workspace, runtime) -> None:
    from publisher.content.matrix import MatrixError
    from publisher.content.source import SourceError
    from publisher.schedule.sync import sync

    try:
        report = sync(ws.root, runtime.ledger, ws.settings)
    except (MatrixError, SourceError) as exc:
        raise fail(str(exc)) from None
    plan = report.plan
    from publisher.schedule.planner import ACTION_LABELS

    counts = {a: plan.count(a) for a in ("create", "update", "blocked", "cancel", "changed", "site-update", "retract")}
    shown = "，".join(f"{ACTION_LABELS[k]} {v}" for k, v in counts.items() if v) or "无变化"
    source = f"提交 {report.commit[:10]}" if report.commit else "工作目录"
    console.print(f"已同步内容库（{source}）：{shown}")
    if report.unpushed:
        from publisher.content.source import unpushed_notice

        err_console.print(f"[yellow]{unpushed_notice(report.unpushed)}[/yellow]")
    for finding in report.findings:
        err_console.print(f"{finding.location}: [red]无法读取[/red] {finding.message}")


def _publish_local(runtime, ids: list[int], timeout: float = 300.0) -> None:
    """Publish these claimed rows now, in this process, and wait (asynchronous channel jobs included)."""
    from publisher.schedule.dispatcher import poll
    from publisher.schedule.executors import LocalExecutor

    executor = LocalExecutor(runtime, threads=runtime.scheduling.local_threads)
    try:
        for pid in ids:
            executor.submit(pid)
        executor.wait_idle(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = [r for r in (runtime.ledger.get(i) for i in ids) if r and "awaiting_status" in r.phases
                       and r.state.value == "publishing"]  # fmt: skip
            if not waiting:
                break
            poll(runtime, force=True)
            time.sleep(1.0)
    finally:
        executor.shutdown()
    for pid in ids:
        row = runtime.ledger.get(pid)
        note = row.url or row.last_error_message or ""
        console.print(f"  {row.item_id} → {row.account_id}：{_label(row.state)} {note}")


def _label(state) -> str:
    from publisher.ledger import state_label

    return state_label(state)


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
        runtime = _runtime(ws, "ledger")
        _sync(ws, runtime)
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
                    _sync(ws, runtime)
                    last_sync = now
                time.sleep(ws.settings.tick_seconds)
        except KeyboardInterrupt:
            console.print("正在等待进行中的发布完成……")
        finally:
            executor.wait_idle(timeout=60)
            executor.shutdown()
            if not once and notifier is not None:
                notifier.stop()

    @app.command()
    def publish(
        item: str = typer.Argument(..., help="条目标识，如 2026/11/work-meeting"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        now: bool = typer.Option(False, "--now", help="不等排期时间，立即发布"),
        content: Path = CONTENT,
    ) -> None:
        """立即发布一个条目已到期（或加 --now 的）排期稿件。"""
        from publisher.ledger import State, os_user
        from publisher.publish.manual import bring_forward, claim_ids, select_rows

        ws = open_workspace(content)
        runtime = _runtime(ws)
        _sync(ws, runtime)
        rows = select_rows(runtime, item, channel=channel, account=account, states=[State.SCHEDULED])
        if not rows:
            raise fail(f"条目 {item} 没有待发布的稿件（用 publisher status {item} 查看）")
        moment = runtime.now()
        if now:
            rows = bring_forward(runtime, rows, moment)
        due = [r.id for r in rows if r.scheduled_at <= moment and (r.not_before is None or r.not_before <= moment)]
        if not due:
            raise fail("稿件尚未到排期时间；要立即发布请加 --now")
        _dispatch(runtime, claim_ids(runtime, due, moment, os_user()), ws)

    @app.command()
    def republish(
        item: str = typer.Argument(..., help="条目标识"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        yes: bool = typer.Option(False, "--yes", "-y", help="不再询问确认"),
        reason: str = typer.Option("编辑手动重发", "--reason", help="重发原因（记入审计日志）"),
        content: Path = CONTENT,
    ) -> None:
        """重新发布一个条目（即使已经发布过），每个渠道账号新增一条发布记录。"""
        from publisher.ledger import os_user
        from publisher.publish.manual import ManualError, claim_ids, select_rows
        from publisher.publish.manual import republish as do_republish

        ws = open_workspace(content)
        runtime = _runtime(ws)
        earlier = [r for r in select_rows(runtime, item, channel=channel, account=account) if r.state.value == "published"]
        if not yes:
            where = "、".join(sorted({r.account_id for r in earlier})) or "所选渠道"
            if not typer.confirm(f"条目 {item} 已在 {where} 发布过 {len(earlier)} 次，确定再发一次吗？", default=False):
                raise typer.Exit(1)
        try:
            result = do_republish(runtime, ws.root, item, channel=channel, account=account, reason=reason)
        except ManualError as exc:
            raise fail(str(exc)) from None
        console.print(f"已新建 {len(result.rows)} 条重发记录：" + "、".join(r.account_id for r in result.rows))
        ids = [r.id for r in result.rows]
        _dispatch(runtime, claim_ids(runtime, ids, runtime.now(), os_user()), ws)

    @app.command()
    def retract(
        item: str = typer.Argument(..., help="条目标识"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        yes: bool = typer.Option(False, "--yes", "-y", help="不再询问确认"),
        reason: str = typer.Option("编辑撤稿", "--reason", help="撤稿原因（记入审计日志）"),
        content: Path = CONTENT,
    ) -> None:
        """撤稿：在所有支持撤稿的渠道上删除该条目已发布的稿件。"""
        from publisher.publish.manual import retract as do_retract

        ws = open_workspace(content)
        runtime = _runtime(ws)
        if not yes and not typer.confirm(f"确定撤下条目 {item} 已发布的稿件吗？此操作不可恢复", default=False):
            raise typer.Exit(1)
        result = do_retract(runtime, item, channel=channel, account=account, reason=reason)
        for row in result.retracted:
            console.print(f"  已撤稿：{row.account_id}（{row.channel}）")
        for row in result.unsupported:
            console.print(f"  [yellow]不支持撤稿[/yellow]：{row.account_id}（{row.channel}），请到平台手动删除")
        for row, message in result.failed:
            err_console.print(f"  [red]撤稿失败[/red]：{row.account_id}：{message}")
        if not (result.retracted or result.unsupported or result.failed):
            raise fail(f"条目 {item} 没有已发布的稿件可撤")
        if result.failed:
            raise typer.Exit(1)

    @app.command()
    def retry(
        item: str = typer.Argument(..., help="条目标识"),
        channel: str = CHANNEL,
        account: str = ACCOUNT,
        not_posted: bool = typer.Option(
            False, "--not-posted", help="结果未确认的稿件：已到平台核实没有发出，重新发布"
        ),
        content: Path = CONTENT,
    ) -> None:
        """重新排期失败的稿件（处理原因之后）；结果未确认的需加 --not-posted。"""
        from publisher.publish.manual import retry as do_retry

        ws = open_workspace(content)
        runtime = _runtime(ws)
        rows = do_retry(runtime, item, channel=channel, account=account, not_posted=not_posted)
        if not rows:
            raise fail(f"条目 {item} 没有可重试的稿件（结果未确认的请先核实平台，再加 --not-posted）")
        console.print(f"已重新排期 {len(rows)} 条，将在下一次派发时发布（或运行 publisher run --once）")

    @app.command()
    def confirm(
        item: str = typer.Argument(..., help="条目标识"),
        account: str = typer.Option(..., "--account", help="账号（必填：一次只确认一个账号的稿件）"),
        url: str = typer.Option(None, "--url", help="在平台上核实到的稿件链接"),
        content: Path = CONTENT,
    ) -> None:
        """结果未确认的稿件：已到平台核实确实发出后，记为已发布（不会再次发送）。"""
        from publisher.ledger import State
        from publisher.publish.manual import select_rows

        ws = open_workspace(content)
        runtime = _runtime(ws, "memory")
        rows = select_rows(runtime, item, account=account, states=[State.UNCONFIRMED])
        if not rows:
            raise fail(f"条目 {item} 在账号 {account} 上没有结果未确认的稿件（publisher status {item} 查看）")
        for row in rows:
            runtime.ledger.resolve_unconfirmed(row.id, published=True, url=url)
            console.print(f"已记为已发布：{row.item_id} → {row.account_id}（编号 {row.id}）")

    @app.command()
    def status(
        item: str = typer.Argument(None, help="条目标识（省略则列出全部）"),
        state: str = typer.Option(None, "--state", help="只看某一状态，如 failed / unconfirmed / blocked"),
        fmt: str = typer.Option("text", "--format", help="text 或 json"),
        wide: bool = typer.Option(False, "--wide", help="显示完整表格（可能超出窄终端的宽度）"),
        content: Path = CONTENT,
    ) -> None:
        """发布状态：每条稿件在各渠道的状态、原因和处理办法。"""
        from publisher.ledger import State
        from publisher.office.status import controls, status_rows

        if state is not None and state not in {s.value for s in State}:
            raise fail(f"未知状态 {state}，可选：" + "、".join(s.value for s in State))
        ws = open_workspace(content)
        runtime = _runtime(ws, "memory")
        tz = ws.settings.tz
        rows = status_rows(runtime.ledger, tz, item_id=item, state=state)
        info = controls(runtime.ledger, tz)
        if fmt == "json":
            typer.echo(json.dumps({**info, "publications": [r.to_dict() for r in rows]}, ensure_ascii=False, indent=2))
            return
        for note in info["notes"]:
            console.print(f"[yellow]{escape(note)}[/yellow]")
        styles = {"failed": "red", "unconfirmed": "magenta", "blocked": "yellow", "published": "green"}
        if use_table(wide):
            table = Table(title=f"发布状态（时间为 {ws.settings.timezone}）", title_justify="left")
            table.add_column("编号", no_wrap=True)
            table.add_column("条目", no_wrap=True)
            table.add_column("账号", no_wrap=True)
            table.add_column("状态", no_wrap=True)
            table.add_column("排期", no_wrap=True)
            table.add_column("说明", overflow="fold", ratio=1, min_width=30)
            for r in rows:
                style = styles.get(r.state, "")
                label = f"[{style}]{r.state_label}[/]" if style else r.state_label
                note = escape(r.reason or r.url)
                if r.fix:
                    note += f"\n处理：{escape(r.fix)}"
                table.add_row(str(r.id), r.item_id, r.account_id, label, r.scheduled_at[5:16], note)
            (wide_console() if wide else console).print(table)
        else:
            console.print(f"发布状态（时间为 {ws.settings.timezone}；--wide 显示完整表格）：")
            for r in rows:
                style = styles.get(r.state, "")
                label = f"[{style}]{r.state_label}[/]" if style else r.state_label
                console.print(f"#{r.id}  {escape(r.item_id)} → {escape(r.account_id)}")
                console.print(f"    {label} · 排期 {r.scheduled_at[5:16]}")
                for head, text in (("链接", "" if r.reason else r.url), ("原因", r.reason), ("处理", r.fix)):
                    if text:  # wrapped at the terminal's width, under the entry it belongs to
                        console.print(Padding(f"{head}：{escape(text)}", (0, 0, 0, 4), expand=False), soft_wrap=False)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.state_label] = counts.get(r.state_label, 0) + 1
        console.print("合计：" + ("，".join(f"{k} {v}" for k, v in counts.items()) or "无记录"))

    @app.command()
    def freeze(
        reason: str = typer.Option(..., "--reason", help="冻结原因，如 全国哀悼日"),
        account: str = ACCOUNT,
        content: Path = CONTENT,
    ) -> None:
        """冻结发布：不再派发新的稿件（进行中的发布会完成）。"""
        ws = open_workspace(content)
        runtime = _runtime(ws, "memory")
        runtime.ledger.freeze(reason, account_id=account)
        console.print(f"已冻结{'账号 ' + account + ' 的' if account else '全部'}发布：{reason}（解冻：publisher unfreeze）")

    @app.command()
    def unfreeze(account: str = ACCOUNT, content: Path = CONTENT) -> None:
        """解除冻结（指定账号时，也解除该账号因配额或授权过期的暂停）。"""
        ws = open_workspace(content)
        runtime = _runtime(ws, "memory")
        runtime.ledger.unfreeze(account_id=account)
        if account:
            runtime.ledger.resume_account(account)
        console.print(f"已解除{'账号 ' + account + ' 的' if account else '全部'}冻结，到期稿件将继续发布")

    @app.command("log")
    def log_command(
        item: str = typer.Argument(..., help="条目标识"),
        fmt: str = typer.Option("text", "--format", help="text 或 json"),
        content: Path = CONTENT,
    ) -> None:
        """条目的审计记录：按时间先后，每一次状态变化、每一个发布步骤和操作人。"""
        from publisher.office.audit_text import log_lines

        ws = open_workspace(content)
        runtime = _runtime(ws, "memory")
        entries = runtime.ledger.history(item)
        if not entries:
            raise fail(f"条目 {item} 没有审计记录", code=EXIT_USAGE)
        tz = ws.settings.tz
        accounts = {}
        for pub in runtime.ledger.publications(item_id=item):
            account = ws.matrix.account(pub.account_id)
            accounts[pub.id] = f"{account.name}（{pub.account_id}）" if account else pub.account_id
        lines = log_lines(entries, accounts, tz)
        if fmt == "json":
            typer.echo(json.dumps([
                {"at": e.at.astimezone(tz).isoformat(), "publication_id": e.publication_id, "event": e.event,
                 "from": e.from_state.value if e.from_state else None,
                 "to": e.to_state.value if e.to_state else None, "actor": e.actor, "detail": e.detail}
                for e in sorted(entries, key=lambda e: (e.at, e.id))], ensure_ascii=False, indent=2, default=str))  # fmt: skip
            return
        console.print(f"条目 {item} 的审计记录（时间为 {ws.settings.timezone}，按先后顺序）：")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")  # a long sentence wraps under itself, not under the time
        for line in lines:
            grid.add_row(line.at, f"{escape(line.text)}（{escape(line.actor)}）")
        console.print(grid, soft_wrap=False)

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


def _dispatch(runtime, ids: list[int], ws: Workspace) -> None:
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
    _publish_local(runtime, ids)


def _print_summary(runtime, timed_out: bool) -> None:
    from collections import Counter

    counts = Counter(r.state for r in runtime.ledger.publications())
    console.print("当前：" + "，".join(f"{_label(s)} {n}" for s, n in sorted(counts.items())))
    problems = counts.get("failed", 0) + counts.get("unconfirmed", 0) + counts.get("blocked", 0)
    if problems:
        console.print("有稿件需要处理：publisher status --state failed / unconfirmed / blocked")
    if timed_out:
        err_console.print("[yellow]等待超时，仍有稿件未完成；再次运行 publisher run --once 继续[/yellow]")
