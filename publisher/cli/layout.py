"""How `status` and `plan` fit a terminal: a table when it is wide, one entry per block when it
is not (80 columns must not break an item id over five lines), and `--wide` to insist on the
full table (it may then run past a narrow terminal, like `ps` or `kubectl -o wide`)."""

from __future__ import annotations

from rich.console import Console

from publisher.cli.common import console

TABLE_MIN_WIDTH = 120


def use_table(wide: bool) -> bool:
    return wide or console.width >= TABLE_MIN_WIDTH


def wide_console() -> Console:
    """A console at least as wide as a full table needs, for `--wide`."""
    return Console(width=max(console.width, 200), highlight=False, soft_wrap=False)
