"""The `publisher` command. The Typer app with every command is built in
publisher.cli.commands, on first use of `publisher.cli.app` or `main()`."""

from __future__ import annotations

from typing import Any


def main() -> None:
    from publisher.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from publisher.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
