"""The `publisher` command's Typer app. Commands only parse arguments and call the core; each
lives in its own module with a `register(app)` function. (`publisher.cli.main` and
`publisher.cli.app` lead here; see publisher/cli/__init__.py.)"""

from __future__ import annotations

import importlib
import logging

import typer

from publisher.cli.zh_help import install as _chinese_help

_chinese_help()  # Click's and Typer's own words ("Usage:", "Options", …) in Chinese

app = typer.Typer(
    name="publisher",
    help="新媒体矩阵发布调度：一次采集、多元生成、多渠道传播。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """新媒体矩阵发布调度：一次采集、多元生成、多渠道传播。"""
    from publisher.runtime.logs import LogLevelError, configure_command_logging

    try:
        level = configure_command_logging()  # PUBLISHER_LOG_LEVEL, for every command
    except LogLevelError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    logging.getLogger("publisher.cli").debug("publisher 命令开始，日志级别 %s", level)


# One module per concern; each adds its commands to `app`.
_COMMAND_MODULES = [
    "publisher.cli.sandbox",
    "publisher.cli.schema",
    "publisher.cli.check",
    "publisher.cli.review",
    "publisher.cli.render",
    "publisher.cli.preview",
    "publisher.cli.site",
    "publisher.cli.plan",
    "publisher.cli.demo",
    "publisher.cli.accounts",
    "publisher.cli.run",
    "publisher.cli.publishing",
    "publisher.cli.retract",
    "publisher.cli.status",
    "publisher.cli.adopt",
    "publisher.cli.freeze",
    "publisher.cli.report",
    "publisher.cli.adoption",
    "publisher.cli.intake",
    "publisher.cli.importing",
    "publisher.cli.inspect",
    "publisher.cli.dashboard",
    "publisher.cli.export",
    "publisher.cli.archive",
    "publisher.cli.notify",
    "publisher.cli.worker",
]

for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(app)
