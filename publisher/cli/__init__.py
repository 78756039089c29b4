"""The `publisher` command.

The Typer app with every command is built in publisher.cli.commands, on first use of
`publisher.cli.app` or `main()`. `main()` first offers the arguments to the light entry of
`publisher site build` (publisher.cli.site_build): a rebuild after one edit is a fraction of a
second of work, and importing Typer, Rich and every command's module cost more than that. The
light entry takes only plain invocations and hands anything else (help, a usage error, an
invalid value, --deploy, a failing workspace) to the app, which then says what it always says.
"""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    from publisher.cli.site_build import light_entry

    code = light_entry(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from publisher.cli.commands import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from publisher.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
