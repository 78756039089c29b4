"""Load content items from the content repo, collecting every problem with its `path:line`.

A broken item is reported and skipped; the others load. Nothing here raises for bad content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from publisher.content.findings import Finding, Severity, display_path
from publisher.content.frontmatter import FrontMatterError, split_front_matter
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem, FrontMatter
from publisher.content.validation import describe_error

ITEM_FILE = "index.md"
ITEMS_DIR = "items"
MAX_ITEM_BYTES = 5 * 1024 * 1024


@dataclass
class LoadResult:
    items: list[ContentItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unloaded: set[str] = field(default_factory=set)  # ids of items found but not readable


def discover(root: Path, paths: Iterable[Path] | None = None) -> list[Path]:
    """Every `index.md` under `items/` (or under the given paths), in a stable order."""
    bases = [Path(p) for p in paths] if paths else [root / ITEMS_DIR]
    found: set[Path] = set()
    for base in bases:
        if base.is_file():
            found.add(base)
        elif base.is_dir():
            # A link that leads nowhere is still an item an editor made: load_item says why.
            found.update(p for p in base.rglob(ITEM_FILE) if p.is_file() or p.is_symlink())
    return sorted(found)


def load_items(root: Path, matrix: Matrix, paths: Iterable[Path] | None = None) -> LoadResult:
    result = LoadResult()
    for path in discover(root, paths):
        item, findings = load_item(path, root, matrix)
        result.findings.extend(findings)
        if item is not None:
            result.items.append(item)
        else:
            result.unloaded.add(item_id(path, root))
    return result


def item_id(path: Path, root: Path) -> str:
    folder = path.parent
    for base in (root / ITEMS_DIR, root):  # the cheap way first: no filesystem calls
        if folder.is_relative_to(base):
            return folder.relative_to(base).as_posix()
    for base in (root / ITEMS_DIR, root):
        try:
            return folder.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return folder.name


def load_item(path: Path, root: Path, matrix: Matrix) -> tuple[ContentItem | None, list[Finding]]:
    # Same text as ContentItem.display_path, without resolving (two realpaths per item add up).
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else display_path(path, root)
    findings: list[Finding] = []

    def fail(code: str, message: str, line: int | None = None, col: int | None = None):
        findings.append(Finding(code, message, shown, line, col))
        return None, findings

    try:
        # An index.md that is a link out of the content repo would publish a file nobody
        # reviewed in the repo (or any readable file of the machine): refused.
        if path.is_symlink() and not path.exists():
            return fail("link-dangling", "条目文件是失效的链接（symlink 指向的文件不存在），请换成文件本身")
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            return fail("file-outside-repo", "条目文件是指向内容库以外的链接（symlink），不能使用")
        size = path.stat().st_size
        if size > MAX_ITEM_BYTES:
            return fail("file-too-large", f"文件过大（{size / 1048576:.1f} MB），上限 5 MB")
        raw = path.read_bytes()
    except OSError as exc:
        why = "没有读取权限（请检查文件的属主和权限）" if isinstance(exc, PermissionError) else exc.strerror
        return fail("file-unreadable", f"无法读取文件：{why}")
    if not raw.strip():
        return fail("file-empty", "文件为空")
    if b"\x00" in raw[:8192]:
        return fail("file-binary", "这不是文本文件（含有二进制内容）")
    if raw.startswith(b"\xef\xbb\xbf"):
        findings.append(
            Finding("encoding-bom", "文件以 BOM 开头，已忽略；建议保存为无 BOM 的 UTF-8（--fix 可修正）",
                    shown, 1, 1, Severity.WARNING)
        )
        raw_text = raw[3:]
    else:
        raw_text = raw
    try:
        text = raw_text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw_text[: exc.start].count(b"\n") + 1
        return fail("encoding-not-utf8", "文件不是 UTF-8 编码（请另存为 UTF-8）", line)
    if "\r" in text:
        findings.append(
            Finding("line-endings-crlf", "文件使用 Windows 换行符（CRLF），已按 LF 处理（--fix 可修正）",
                    shown, 1, None, Severity.WARNING)
        )
        text = text.replace("\r\n", "\n").replace("\r", "\n")

    try:
        split = split_front_matter(text)
    except FrontMatterError as exc:
        return fail(exc.code, exc.message, exc.line, exc.col)
    for key, line, col in split.duplicates:
        findings.append(Finding("duplicate-key", f"字段“{key}”重复出现", shown, line, col))

    try:
        meta = FrontMatter.model_validate(split.data, context={"tz": matrix.tz})
    except ValidationError as exc:
        for error in exc.errors():
            code, message = describe_error(error)
            line, col = split.positions.locate(tuple(error["loc"]))
            findings.append(Finding(code, message, shown, line, col))
        return None, findings
    if any(f.is_error for f in findings):
        return None, findings

    item = ContentItem(
        id=item_id(path, root),
        path=path,
        root=root,
        meta=meta,
        body=split.body,
        body_line=split.body_line,
        positions=split.positions,
        source_bytes=raw,
    )
    return item, findings
