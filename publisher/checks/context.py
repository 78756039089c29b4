"""What every check gets besides the item: the matrix, settings and things built once per run.

Building the word automaton or resolving a remote host once per run (not once per item) is what
keeps 10,000 items fast, so they live here and every check reads them from the context.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from publisher.content.findings import Finding, Severity
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.settings import Settings


@dataclass
class CheckContext:
    matrix: Matrix
    allow_remote_images: bool = False
    # Review problems are warnings on drafts; the planner asks with `strict_review=True`.
    strict_review: bool = False
    words: object = None  # publisher.checks.words.WordMatcher, built lazily
    placeholders: object = None  # publisher.checks.placeholders.PlaceholderMatcher
    # Prepared images for the channel checks' renditions (publisher.render.images.ImageCache);
    # None prepares every time.
    image_cache: object = None
    image_results: dict[tuple, list[tuple[str, str, Severity]]] = field(default_factory=dict)
    host_results: dict[str, tuple[str, str, Severity] | None] = field(default_factory=dict)

    @classmethod
    def build(cls, matrix: Matrix, settings: Settings | None = None, *, strict_review: bool = False) -> CheckContext:
        from publisher.checks.placeholders import PlaceholderMatcher
        from publisher.checks.words import WordMatcher

        allow_remote = bool(settings.allow_remote_images) if settings is not None else False
        return cls(matrix, allow_remote, strict_review, WordMatcher(matrix.words),
                   PlaceholderMatcher.build(matrix.placeholders), image_cache=image_cache_for(settings))


def image_cache_for(settings: Settings | None):
    """The installation's image cache when its state folder exists (what the planner uses), else
    the user's cache folder: `check` in an editor's repo (the pre-commit hook) must not leave a
    `.state` folder behind, and must not re-encode every picture on every commit either."""
    from publisher.render.images import ImageCache

    if settings is not None and settings.state_dir.is_dir():
        return ImageCache(settings.state_dir / "cache" / "images")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return ImageCache(Path(base) / "matrix-publisher" / "images")


class TextMap:
    """Offsets in a piece of text → 1-based (line, col) in the item file."""

    def __init__(self, text: str, first_line: int = 1, first_col: int = 1):
        self.starts = [0]
        index = text.find("\n")
        while index != -1:
            self.starts.append(index + 1)
            index = text.find("\n", index + 1)
        self.first_line, self.first_col = first_line, first_col

    def position(self, offset: int) -> tuple[int, int]:
        row = bisect_right(self.starts, offset) - 1
        col = offset - self.starts[row] + 1
        if row == 0:
            col += self.first_col - 1
        return self.first_line + row, col


def file_lines(item: ContentItem) -> list[str]:
    """The item file's lines as the loader read them (BOM dropped, LF line endings)."""
    text = item.source_bytes.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def field_texts(item: ContentItem) -> list[tuple[tuple[str | int, ...], str]]:
    """Front-matter texts that reach readers, with their key paths (for item.line_of)."""
    meta = item.meta
    texts: list[tuple[tuple[str | int, ...], str]] = [(("title",), meta.title)]
    if meta.summary:
        texts.append((("summary",), meta.summary))
    texts.extend((("tags", i), tag) for i, tag in enumerate(meta.tags))
    for channel, spec in (meta.targets or {}).items():
        if spec is None:
            continue
        for name in ("title", "digest", "text", "author"):
            value = getattr(spec, name)
            if value:
                texts.append((("targets", channel, name), value))
    return texts


def locate_in_field(item: ContentItem, key: tuple, needle: str, lines: list[str] | None) -> tuple[int | None, int | None]:
    """Line and column of `needle` inside a front-matter value (searching from the key's line)."""
    line = item.line_of(*key)
    if line is None or lines is None:
        return line, None
    for number in range(line, min(line + 20, len(lines) + 1)):
        col = lines[number - 1].find(needle)
        if col != -1:
            return number, col + 1
    return line, None


def finding(item: ContentItem, code: str, message: str, line: int | None = None, col: int | None = None,
            severity: Severity = Severity.ERROR, suggestion: str | None = None) -> Finding:
    return Finding(code, message, item.display_path, line, col, severity, suggestion)


def item_folder(item: ContentItem) -> Path:
    return item.path.parent
