"""Where a finding points: offsets in a text → line and column in the item file, the
front-matter texts readers see, and the `Finding` constructor every check uses."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem


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
    # The author and department are printed with the article on the channels too.
    texts: list[tuple[tuple[str | int, ...], str]] = [
        (("title",), meta.title), (("author",), meta.author), (("department",), meta.department),
    ]
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
