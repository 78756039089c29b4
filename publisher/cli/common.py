"""What every command needs: settings, the content root and its matrix, clean failure."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from publisher.content.matrix import Matrix, MatrixError, load_matrix
from publisher.settings import Settings

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@dataclass
class Workspace:
    settings: Settings
    root: Path
    matrix: Matrix


def find_content_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding publisher.toml."""
    start = start.resolve()
    for folder in [start if start.is_dir() else start.parent, *start.parents]:
        if (folder / "publisher.toml").is_file():
            return folder
    return None


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err_console.print(f"[red]错误：[/red]{escape(message)}")
    return typer.Exit(code)


def open_workspace(content: Path | None = None) -> Workspace:
    settings = Settings()
    root = find_content_root(content or settings.content_dir)
    if root is None:
        where = content or settings.content_dir
        raise fail(f"在 {where} 及其上级目录中找不到 publisher.toml（可用 --content 或 PUBLISHER_CONTENT_DIR 指定内容库）")
    try:
        matrix = load_matrix(root)
    except MatrixError as exc:
        for finding in exc.findings:
            err_console.print(f"{escape(finding.location)}: [red]配置错误[/red] {escape(f'[{finding.code}]')} {escape(finding.message)}")
        raise typer.Exit(EXIT_USAGE) from None
    return Workspace(settings, root, matrix)


def is_terminal() -> bool:
    return sys.stdout.isatty()
