"""`publisher check --fix`: rewrite what can be rewritten safely, in place.

- A UTF-8 BOM is dropped and CRLF/CR line endings become LF (whole file).
- The body gets exactly the typography edits the check reports (same edit list), so a fixed body
  checks clean. Code blocks, URLs and HTML addresses are never touched. A heading at the top of
  the body that repeats the title goes (the title comes from front matter).
- The front matter keeps its bytes (apart from line endings): its meaning is the editor's.
  One exception, when the matrix is given: Traditional characters in the texts of an item that
  goes to a Simplified account are converted (body and reader-facing fields only; script.py).

Files that cannot be read as UTF-8 text are left alone; the check reports them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from publisher.checks.layout import strip_repeated_title
from publisher.checks.script import simplified_file_text
from publisher.checks.typography import HOUSE_STYLE, configure, fixed_markdown
from publisher.content.frontmatter import FrontMatterError, split_front_matter
from publisher.content.loader import MAX_ITEM_BYTES, load_item
from publisher.content.matrix import Matrix, TypographyStyle

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FixResult:
    path: Path
    bom_removed: bool = False
    line_endings: bool = False
    body_changed: bool = False
    script_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.bom_removed or self.line_endings or self.body_changed or self.script_changed


def fixed_text(raw: bytes, style: TypographyStyle = HOUSE_STYLE) -> tuple[str, FixResult] | None:
    """The fixed file text, or None when the file is not something --fix may touch."""
    if not raw.strip() or b"\x00" in raw[:8192] or len(raw) > MAX_ITEM_BYTES:
        return None
    bom = raw.startswith(_BOM)
    try:
        text = raw[3:].decode("utf-8") if bom else raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    crlf = "\r" in text
    if crlf:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    body_changed = False
    try:
        split = split_front_matter(text)
    except FrontMatterError:
        split = None
    if split is not None and split.body:
        lines = text.split("\n")
        head = "\n".join(lines[: split.body_line - 1])
        titles = [str(split.data.get("title") or "")] + [
            str(spec.get("title")) for spec in (split.data.get("targets") or {}).values()
            if isinstance(spec, dict) and spec.get("title")
        ] if isinstance(split.data, dict) else []
        new_body = fixed_markdown(strip_repeated_title(split.body, titles), style)
        if new_body != split.body:
            text = head + "\n" + new_body
            body_changed = True
    return text, FixResult(Path(), bom, crlf, body_changed)


def fix_file(path: Path, matrix: Matrix | None = None, root: Path | None = None) -> FixResult:
    if path.is_symlink():  # rewriting would replace the link with a file; leave it to the editor
        return FixResult(path)
    raw = path.read_bytes()
    fixed = fixed_text(raw, matrix.typography if matrix is not None else HOUSE_STYLE)
    result = FixResult(path)
    if fixed is not None and fixed[1].changed:
        text, found = fixed
        _replace(path, text.encode("utf-8"))
        result = FixResult(path, found.bom_removed, found.line_endings, found.body_changed)
    if matrix is not None and root is not None:
        item, _ = load_item(path, root, matrix)
        converted = simplified_file_text(item, matrix) if item is not None else None
        if converted is not None:
            _replace(path, converted.encode("utf-8"))
            result = FixResult(path, result.bom_removed, result.line_endings, result.body_changed, True)
    return result


def fix_files(paths: Iterable[Path], matrix: Matrix | None = None, root: Path | None = None) -> list[FixResult]:
    """Fix every file; return the ones that changed. With the matrix, typography follows the
    repo's house style (`[typography]`); with the content root too, Traditional characters are
    converted for items that go to Simplified accounts."""
    configure()
    changed = []
    for path in paths:
        try:
            result = fix_file(path, matrix, root)
        except OSError:
            continue  # unreadable files are reported by the check itself
        if result.changed:
            changed.append(result)
    return changed


def _replace(path: Path, data: bytes) -> None:
    """Write atomically, keeping the file's permissions: an editor's file is never half-written."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".fix-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
