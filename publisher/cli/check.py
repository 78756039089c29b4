"""`publisher check [PATH...] [--format text|json] [--fix]`: editorial checks of content items.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 usage or configuration problem.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from publisher.checks import CheckReport, check_items
from publisher.checks.fix import FixResult, fix_files
from publisher.cli.common import EXIT_FINDINGS, EXIT_OK, console, fail, open_workspace
from publisher.content.findings import Finding, display_path
from publisher.content.loader import discover


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _scope(paths: list[Path], root: Path) -> list[Path] | None:
    """The paths to check under the content root, or None for the whole content root."""
    chosen: list[Path] = []
    for path in paths:
        if not path.exists():
            raise fail(f"路径不存在：{path}")
        resolved = path.resolve()
        if resolved == root.resolve():
            return None
        if not resolved.is_relative_to(root.resolve()):
            raise fail(f"{path} 不在内容库 {root} 中")
        chosen.append(resolved)
    return chosen or None


def _print(*objects) -> None:
    # No wrapping: piped output stays one finding per line (editors grep it, CI logs keep it).
    console.print(*objects, soft_wrap=True)


def print_report(report: CheckReport) -> None:
    for path, findings in report.by_file().items():
        _print(Text(path, style="bold"))
        for f in findings:
            _print(_finding_line(f))
            if f.suggestion:
                _print(Text("          建议：", style="dim") + Text(f.suggestion, style="green"))
    errors, warnings = len(report.errors), len(report.warnings)
    summary = Text(f"检查了 {report.items_checked} 个条目：")
    summary.append(f"{errors} 个错误", style="bold red" if errors else "bold green")
    summary.append("，")
    summary.append(f"{warnings} 个警告", style="yellow" if warnings else "green")
    _print(summary)


def _finding_line(f: Finding) -> Text:
    where = f"{f.line}" if f.line is not None else "-"
    if f.line is not None and f.col is not None:
        where += f":{f.col}"
    line = Text(f"  {where:<8}")
    line.append("错误" if f.is_error else "警告", style="bold red" if f.is_error else "yellow")
    line.append(f"  {f.message}  ")
    line.append(f"[{f.code}]", style="dim")
    return line


def _print_fixes(fixed: list[FixResult], root: Path) -> None:
    if not fixed:
        _print("没有需要自动修正的内容。")
        return
    for result in fixed:
        what = []
        if result.body_changed:
            what.append("中文排版")
        if result.script_changed:
            what.append("繁体字转为简体")
        if result.bom_removed:
            what.append("去除 BOM")
        if result.line_endings:
            what.append("换行符改为 LF")
        _print(Text(f"已修正 {display_path(result.path, root)}：{'、'.join(what)}", style="green"))


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        paths: Annotated[list[Path] | None, typer.Argument(
            help="条目文件夹、index.md 文件或内容库根目录；默认整个内容库")] = None,
        output: Annotated[OutputFormat, typer.Option(
            "--format", help="输出格式：text（给人看）或 json（给程序用）")] = OutputFormat.text,
        fix: Annotated[bool, typer.Option(
            "--fix", help="自动修正中文排版、BOM 和换行符，把简体账号稿件中的繁体字转为简体")] = False,
        content: Annotated[Path | None, typer.Option(
            "--content", help="内容库根目录（含 publisher.toml）")] = None,
    ) -> None:
        """检查条目：头信息、审核签发、密级与涉密标识、占位符、敏感词、繁简字形、中文排版、图片、日期、发布目标和各渠道的发布要求。"""
        paths = paths or []
        workspace = open_workspace(content or (paths[0] if paths else None))
        root = workspace.root
        scope = _scope(paths, root)
        fixed: list[FixResult] = []
        if fix:
            fixed = fix_files((p.resolve() for p in discover(root, scope)), workspace.matrix, root.resolve())
        report = check_items(root, workspace.matrix, scope, workspace.settings, keep_items=False)
        if output is OutputFormat.json:
            data = report.to_dict()
            if fix:
                data["fixed"] = [display_path(r.path, root) for r in fixed]
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            if fix:
                _print_fixes(fixed, root)
            print_report(report)
        raise typer.Exit(EXIT_FINDINGS if report.errors else EXIT_OK)
