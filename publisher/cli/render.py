"""`publisher render ITEM --channel NAME [--account ID] --out DIR`: one rendition on
disk, exactly what would be sent: payload.json, the body (content.html or text.txt) and every
prepared image under its asset name. Findings of the channel's check are printed; exit 1 when
any is an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from channels.base import Rendition
from publisher.cli.common import (
    EXIT_FINDINGS,
    Workspace,
    console,
    err_console,
    fail,
    open_workspace,
)
from publisher.content.findings import Finding
from publisher.content.loader import ITEM_FILE, ITEMS_DIR, load_item
from publisher.content.model import ContentItem
from publisher.content.targets import targets_for
from publisher.render.renditions import (
    RenderingError,
    image_cache_in,
    render_and_check,
)


def locate_item(workspace: Workspace, ref: str) -> Path:
    """ITEM as a path (folder or index.md) or as an item id (`2026/11/slug`)."""
    for candidate in (Path(ref), workspace.root / ITEMS_DIR / ref):
        if candidate.is_dir() and (candidate / ITEM_FILE).is_file():
            return candidate / ITEM_FILE
        if candidate.is_file():
            return candidate
    raise fail(f"找不到条目“{ref}”（可写条目文件夹、index.md 路径或条目标识，如 2026/11/work-meeting）")


def load_one(workspace: Workspace, ref: str) -> ContentItem:
    item, findings = load_item(locate_item(workspace, ref), workspace.root, workspace.matrix)
    for finding in findings:
        err_console.print(str(finding), markup=False)
    if item is None:
        raise fail("条目无法读取，请先修正上述问题", EXIT_FINDINGS)
    return item


def write_rendition(rendition: Rendition, out: Path) -> list[Path]:
    """Write payload, body and assets under `out`; asset names never leave it."""
    out.mkdir(parents=True, exist_ok=True)
    base = out.resolve()
    written = [out / "payload.json"]
    written[0].write_text(json.dumps(rendition.payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
    payload = rendition.payload
    body_html = payload.get("content") if isinstance(payload.get("content"), str) else payload.get("html")
    if isinstance(body_html, str):
        written.append(out / "content.html")
        written[-1].write_text(body_html, "utf-8")
    if isinstance(payload.get("text"), str):
        written.append(out / "text.txt")
        written[-1].write_text(payload["text"] + "\n", "utf-8")
    for asset in rendition.assets:
        target = (base / asset.name).resolve()
        if not target.is_relative_to(base):
            raise fail(f"资源名“{asset.name}”越出输出目录，已拒绝（渲染器缺陷）")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(asset.data)
        written.append(target)
    return written


def finding_text(finding: Finding) -> Text:
    label, style = ("错误", "bold red") if finding.is_error else ("警告", "yellow")
    return Text.assemble("  ", (label, style), f" {finding.message} ", (f"{finding.location} [{finding.code}]", "dim"))


def register(app: typer.Typer) -> None:
    @app.command()
    def render(
        item: Annotated[str, typer.Argument(help="条目文件夹、index.md 路径或条目标识")],
        channel: Annotated[str, typer.Option("--channel", "-c", help="渠道名（publisher accounts 所列）")],
        out: Annotated[Path, typer.Option("--out", "-o", help="输出目录")],
        account: Annotated[str | None, typer.Option("--account", "-a", help="账号标识；默认取该条目在此渠道的第一个账号")] = None,
        content: Annotated[Path | None, typer.Option("--content", help="内容库根目录（含 publisher.toml）")] = None,
    ) -> None:
        """按渠道生成一个条目的发布内容（与实际发送的完全一致），写入输出目录。"""
        workspace = open_workspace(content or (Path(item) if Path(item).exists() else None))
        loaded = load_one(workspace, item)
        matrix = workspace.matrix
        if account is not None:
            chosen = matrix.account(account)
            if chosen is None or chosen.channel != channel:
                raise fail(f"渠道“{channel}”下没有账号“{account}”")
        else:
            candidates = [a for a in targets_for(loaded, matrix) if a.channel == channel] or matrix.accounts_for(channel)
            if not candidates:
                raise fail(f"publisher.toml 中没有“{channel}”渠道的账号")
            chosen = candidates[0]
        try:
            rendition, findings = render_and_check(loaded, matrix, chosen, image_cache_in(workspace.settings.state_dir))
        except RenderingError as exc:
            raise fail(str(exc)) from None
        written = write_rendition(rendition, out)
        console.print(f"已生成 {chosen.name}（{chosen.id}）的发布内容：{out}（{len(written)} 个文件，内容指纹 {rendition.content_hash[:12]}）")
        for finding in findings:
            console.print(finding_text(finding), soft_wrap=True)
        if any(f.is_error for f in findings):
            raise typer.Exit(EXIT_FINDINGS)
