"""`publisher adopted` (an item adopted by a body, 上级采用 included) and `publisher submission`
(the office's decisions on what departments submitted)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import CONTENT, console, fail, ledger_of, moment_of, open_workspace

submission_app = typer.Typer(help="报送稿件的处理：列出、采用、不采用、退回修改。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(submission_app, name="submission")

    @app.command()
    def adopted(
        item: Annotated[str, typer.Argument(help="稿件路径（items/ 下，如 2026/11/work-meeting）或报送编号")],
        by: Annotated[str, typer.Option("--by", help="采用单位或刊物，如 省政府办公厅《政务信息》")],
        level: Annotated[str, typer.Option("--level", help="采用级别，如 本级、市级、省级、国家级、媒体")],
        url: Annotated[str | None, typer.Option("--url", help="采用稿的链接")] = None,
        date: Annotated[str | None, typer.Option("--date", help="采用日期，如 2026-11-20；默认今天")] = None,
        content: Annotated[Path | None, CONTENT] = None,
    ) -> None:
        """记录一条稿件被采用（本级或上级：市级、省级、国家级政务信息刊物，主流媒体），计入通报与积分。"""
        from publisher.office.submissions.adoption import AdoptionError, record_adoption

        ws = open_workspace(content)
        when = moment_of(date, ws.matrix.tz)
        with ledger_of(ws.settings) as ledger:
            try:
                subject, record = record_adoption(ledger, ws.matrix, ws.root, item, level=level, outlet=by,
                                                  adopted_at=when, url=url)  # fmt: skip
            except AdoptionError as exc:
                raise fail(str(exc)) from None
        if record is None:
            console.print(f"“{subject.shown}”被{by.strip()}采用的记录已经有了，未重复记录。")
            return
        points = ws.matrix.report.level_points(record.level)
        console.print(f"已记录：“{subject.title}”（{subject.shown}）{when:%Y-%m-%d} 被{record.outlet}采用，"
                      f"级别 {record.level}，计 {points:g} 分。")  # fmt: skip


@submission_app.command("list")
def list_submissions(
    state: Annotated[str | None, typer.Option("--state", help="只列出此状态：报送、采用、未采用、退回修改")] = None,
    content: Annotated[Path | None, CONTENT] = None,
) -> None:
    """列出报送稿件及其状态。"""
    from rich.markup import escape

    ws = open_workspace(content)
    with ledger_of(ws.settings) as ledger:
        rows = [s for s in ledger.submissions() if state is None or s.state_label == state]
    if not rows:
        console.print("没有报送记录。")
        return
    # One line per submission, the 编号 first (the next command needs it whole), then the rest.
    for s in rows:
        item = f" → items/{s.item_id}" if s.item_id else ""
        console.print(f"[bold]{s.key}[/bold]  {s.submitted_at.astimezone(ws.matrix.tz):%Y-%m-%d}  {s.state_label}  "
                      f"{escape(s.department)} {escape(s.reporter or '')}  {s.info_type}  "
                      f"“{escape(s.title)}”{escape(item)}")  # fmt: skip
    console.print(f"共 {len(rows)} 条。")


def _decide(key: str, decision: str, note: str | None, content: Path | None, item: str | None = None) -> None:
    from publisher.office.submissions.adoption import AdoptionError, decide

    ws = open_workspace(content)
    with ledger_of(ws.settings) as ledger:
        try:
            done = decide(ledger, key, decision, item_id=item, note=note)
        except AdoptionError as exc:
            raise fail(str(exc)) from None
    linked = f"，对应稿件 items/{done.item_id}" if done.item_id else ""
    console.print(f"报送“{done.title}”（{done.key}）已改为“{done.state_label}”{linked}。")


@submission_app.command("adopt")
def adopt(
    key: Annotated[str, typer.Argument(help="报送编号（publisher submission list 可查）")],
    item: Annotated[str | None, typer.Option("--item", help="对应已有稿件（items/ 下的路径）；省略则用报送的文稿生成稿件")] = None,
    content: Annotated[Path | None, CONTENT] = None,
) -> None:
    """采用这条报送：生成（或关联）稿件，稿件随后照常审核、发布。"""
    from publisher.office.submissions.intake import IntakeError, adopt_submission

    ws = open_workspace(content)
    now = moment_of(None, ws.matrix.tz)
    with ledger_of(ws.settings) as ledger:
        try:
            done, made = adopt_submission(ledger, ws.root, key, item_id=item, now=now, tz=ws.matrix.tz)
        except IntakeError as exc:
            raise fail(str(exc)) from None
    console.print(f"已采用报送“{done.title}”（{done.key}），对应稿件 items/{done.item_id}。")
    if made is not None:
        console.print("稿件目前是草稿（draft: true）：请设定发布时间和发布渠道，完成三审签发后去掉 draft。")


@submission_app.command("decline")
def decline(
    key: Annotated[str, typer.Argument(help="报送编号")],
    note: Annotated[str | None, typer.Option("--note", help="说明")] = None,
    content: Annotated[Path | None, CONTENT] = None,
) -> None:
    """不采用这条报送。"""
    _decide(key, "未采用", note, content)


@submission_app.command("return")
def return_(
    key: Annotated[str, typer.Argument(help="报送编号")],
    note: Annotated[str, typer.Option("--note", help="退回原因和修改意见")],
    content: Annotated[Path | None, CONTENT] = None,
) -> None:
    """退回报送单位修改（改好后用 publisher submission resubmit 重新报送）。"""
    _decide(key, "退回修改", note, content)


@submission_app.command("resubmit")
def resubmit(
    key: Annotated[str, typer.Argument(help="报送编号")],
    content: Annotated[Path | None, CONTENT] = None,
) -> None:
    """退回修改的报送重新报送。"""
    _decide(key, "报送", None, content)
