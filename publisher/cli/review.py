"""`publisher sign ITEM --stage 终审` and `publisher diff ITEM`: sign-offs as reviewers' commits."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from publisher.cli.common import console, fail, open_workspace


def register(app: typer.Typer) -> None:
    @app.command()
    def sign(
        item: Annotated[str, typer.Argument(help="条目标识，如 2026/11/work-meeting")],
        stage: Annotated[str, typer.Option("--stage", help="签发的审核环节，如 初审、复审、终审")],
        content: Annotated[Path | None, typer.Option("--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）")] = None,
    ) -> None:
        """以当前 git 身份签发一个审核环节：写入签发记录并提交（要求签名时带签名提交）。"""
        from publisher.content.signing import SigningError
        from publisher.content.signing import sign as do_sign

        ws = open_workspace(content)
        try:
            signed = do_sign(ws.root, ws.matrix, item, stage, datetime.now(ws.matrix.tz))
        except SigningError as exc:
            raise fail(str(exc)) from None
        console.print(f"已签发“{signed.line.stage}”：{item}（{signed.line.by}，{signed.line.at}；提交 {signed.commit[:7]}）")

    @app.command()
    def diff(
        item: Annotated[str, typer.Argument(help="条目标识")],
        stage: Annotated[str | None, typer.Option("--stage", help="与这一环节的签发比较；默认为已失效的最早一次签发，否则为最近一次")] = None,
        content: Annotated[Path | None, typer.Option("--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）")] = None,
    ) -> None:
        """显示条目自签发以来的改动（含尚未提交的改动）。"""
        from publisher.content.signing import SigningError, diff_since_signoff

        ws = open_workspace(content)
        try:
            event, text = diff_since_signoff(ws.root, ws.matrix, item, stage)
        except SigningError as exc:
            raise fail(str(exc)) from None
        commit = event.commit
        console.print(f"自“{event.line.stage}”签发（{event.line.by}，{event.line.at}，提交 {commit.short}，"
                      f"{escape(commit.who)}）以来的改动：")
        console.print(escape(text.rstrip()) if text.strip() else "（没有改动）")
