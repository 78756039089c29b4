"""What every command needs: settings, the content root and its matrix, clean failure."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from publisher.content.matrix import Matrix, MatrixError, load_matrix
from publisher.content.root import find_content_root
from publisher.settings import Settings, ensure_private_dir

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

# The content folder option of the office commands (report, export, intake, ...).
CONTENT = typer.Option("--content", help="内容库目录（默认 PUBLISHER_CONTENT_DIR）")


@dataclass
class Workspace:
    settings: Settings
    root: Path
    matrix: Matrix


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err_console.print(f"[red]错误：[/red]{escape(message)}")
    return typer.Exit(code)


def open_workspace(content: Path | None = None, *, last_good: bool = False) -> Workspace:
    """Settings, the content root and its matrix. With `last_good` (commands that only show
    what is going on: status, log, dashboard) a broken publisher.toml is told, and the
    configuration of the last commit that loads is used instead: the editor who broke it must
    still be able to see what the system does."""
    settings = Settings()
    if settings.content_remote and content is None:  # a deployment's own clone: made on first use
        from publisher.content.clone import CloneError, clone_lock, ensure_clone

        try:
            with clone_lock(settings.content_dir):
                ensure_clone(settings.content_dir, settings.content_remote, settings.branch)
        except CloneError as exc:
            raise fail(str(exc)) from None
    root = find_content_root(content or settings.content_dir)
    if root is None:
        where = content or settings.content_dir
        raise fail(f"在 {where} 及其上级目录中找不到 publisher.toml（可用 --content 或 PUBLISHER_CONTENT_DIR 指定内容库）")
    try:
        matrix = load_matrix(root)
    except MatrixError as exc:
        print_config_errors(exc.findings)
        if not last_good:
            raise typer.Exit(EXIT_USAGE) from None
        matrix = last_good_matrix(settings)
        err_console.print("[yellow]注意：工作目录中的 publisher.toml 有误（见上），以下按上一次可用的配置显示[/yellow]")
    return Workspace(settings, root, matrix)


def last_good_matrix(settings: Settings) -> Matrix:
    """The configuration the last accepted sync kept (defaults before any sync)."""
    from publisher.content.in_force import matrix_in_force
    from publisher.content.matrix import Matrix

    try:
        return matrix_in_force(settings.state_dir, settings.state_dir / "no-content")
    except MatrixError:
        return Matrix(timezone=settings.timezone)


def print_config_errors(findings) -> None:
    """`publisher.toml:line: 配置错误 [code] message`, one line each, on stderr."""
    for finding in findings:
        err_console.print(f"{escape(finding.location)}: [red]配置错误[/red] {escape(f'[{finding.code}]')} {escape(finding.message)}",
                          soft_wrap=True)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def busy_port_sentence(port: int, error: OSError, what: str, option: str, make_var: str | None = None) -> str:
    """Why a server could not listen, as an editor reads it, naming the option that changes it."""
    import errno

    hint = f"请用 {option} 换一个端口" + (f"（make demo {make_var}=…）" if make_var else "")
    if error.errno == errno.EADDRINUSE:
        return f"端口 {port} 已被其他程序占用，{what}无法使用它：{hint}。"
    if error.errno == errno.EACCES:
        return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），{what}无法使用它：{hint}。"
    return f"{what}无法监听端口 {port}（{error.strerror or error}）：{hint}。"


def port_taken(host: str, port: int) -> OSError | None:
    """The error listening on `port` would meet, or None. Asked first because Werkzeug's server
    answers a busy port with an English message and `sys.exit(1)`, not an exception."""
    import socket

    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None


def ledger_of(settings: Settings):
    """The office ledger named by `settings` (its state folder made first), or a clean failure."""
    from publisher.ledger import open_ledger

    if settings.database_url is None:
        ensure_private_dir(settings.state_dir)
    try:
        return open_ledger(settings.resolved_database_url)
    except Exception as exc:
        raise fail(f"无法打开发布账本：{exc}") from None


def moment_of(text: str | None, tz) -> datetime:
    """The moment an option names (local time in `tz`), now when it names none."""
    from publisher.content.timeparse import parse_local_datetime

    if not text:
        return datetime.now(tz)
    try:
        return parse_local_datetime(text, tz)
    except ValueError as exc:
        raise fail(str(exc)) from None
