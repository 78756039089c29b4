"""Which folder is the content repository: the nearest one holding publisher.toml.

Its own small module (no pydantic, no Typer) so the light `site build` entry can find the root
without importing the command-line app.
"""

from __future__ import annotations

from pathlib import Path


def find_content_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding publisher.toml."""
    start = start.resolve()
    for folder in [start if start.is_dir() else start.parent, *start.parents]:
        if (folder / "publisher.toml").is_file():
            return folder
    return None
