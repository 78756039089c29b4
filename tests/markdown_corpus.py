"""Every Markdown file the repository holds, as text: the bodies the renderer equivalence tests
(one engine, pass or splitter against another) run on."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def repo_markdown(folders: tuple[str, ...] = ("tests", "docs", "content")) -> list[str]:
    """The text of every *.md under `folders` of the repository, each folder's files sorted."""
    files = [path for folder in folders for path in sorted((ROOT / folder).rglob("*.md"))]
    return [path.read_bytes().decode("utf-8", errors="replace") for path in files]
