"""Attachments (附件): files in an item's folder that the body links to — 申报表 .docx, 名单 .xlsx,
文件 .pdf, WPS .wps/.et, OFD, .zip, pictures.

An attachment is a body link (Markdown inline or reference link, or raw `<a href>`) to a relative
path with a file extension: `附件：[1. 案例申报表](附件1-案例申报表.docx)`. Links in code are not
links. Each attachment is inspected the same way wherever it is used (the check reports every
problem; renderers publish only attachments without problems):

- the file exists and stays inside the item's folder (no absolute path, no `..`, no symlink out);
- its type is allowed (`[attachments] types`), and never an executable or a script, whatever
  the configuration says; its first bytes match its extension (a renamed .exe is not a PDF); a
  .zip holds no executables or scripts;
- its size is within `[attachments] max_bytes`;
- its file name is safe on every system the file will reach (Windows included).

Channel-neutral: the site publishes the files, other channels list them as text with the page
link; each channel package decides how.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat as stat_module
import zipfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt

from publisher.content.attachment_types import DEFAULT_MAX_BYTES, DEFAULT_TYPES, FORBIDDEN_TYPES
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem

TYPE_NAMES = {
    "pdf": "PDF 文档", "doc": "Word 文档", "docx": "Word 文档", "xls": "Excel 表格", "xlsx": "Excel 表格",
    "wps": "WPS 文字", "et": "WPS 表格", "ofd": "OFD 版式文件", "zip": "压缩包", "rar": "压缩包",
    "7z": "压缩包", "jpg": "图片", "jpeg": "图片", "png": "图片", "ppt": "演示文稿", "pptx": "演示文稿",
    "txt": "文本文件", "csv": "表格数据", "rtf": "文档",
}  # fmt: skip
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# What the first bytes of each type look like (None: not checked).
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",), "docx": _ZIP, "xlsx": _ZIP, "pptx": _ZIP, "ofd": _ZIP, "zip": _ZIP,
    "doc": (_OLE, *_ZIP), "xls": (_OLE, *_ZIP), "ppt": (_OLE, *_ZIP), "wps": (_OLE, *_ZIP), "et": (_OLE, *_ZIP),
    "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",),
}  # fmt: skip
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")
_HTML_ANCHOR = re.compile(r"<a\b[^>]*?\bhref\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\\#%]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_NUMBERING = re.compile(r"^\s*(?:附件\s*[0-9一二三四五六七八九十]+\s*[:：、.．\-]?|[0-9]+\s*[.．、)）]|[（(][0-9]+[)）])\s*")
MAX_NAME_CHARS = 120

Problem = tuple[str, str]  # code, message (Chinese)


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    target: str  # the link target, percent-decoded
    text: str  # the link's text
    line: int | None
    col: int | None


@dataclass(frozen=True, slots=True)
class Attachment:
    ref: AttachmentRef
    path: Path
    number: int  # 附件1, 附件2 … in order of first appearance

    @property
    def file_name(self) -> str:
        return posixpath.basename(self.ref.target.replace("\\", "/"))

    @property
    def extension(self) -> str:
        return extension_of(self.file_name)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def label(self) -> str:
        """What the attachment is called: the link text without its numbering, else the file
        name without a “附件1-” prefix — “案例申报表”."""
        stem = self.file_name[: -len(self.extension) - 1] if self.extension else self.file_name
        for candidate in (self.ref.text, stem):
            cleaned = _NUMBERING.sub("", candidate).strip(" -_—")
            if cleaned.lower().endswith("." + self.extension):
                cleaned = cleaned[: -len(self.extension) - 1]
            if cleaned:
                return cleaned
        return stem

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.extension, self.extension.upper())

    def display(self) -> str:
        """“附件1：案例申报表.docx（45 KB）”."""
        return f"附件{self.number}：{self.label}.{self.extension}（{size_text(self.size)}）"


def extension_of(name: str) -> str:
    match = _EXTENSION.search(name)
    return match.group(1).lower() if match else ""


def size_text(size: int) -> str:
    """45 KB, 1.2 MB — as a file manager shows it (KB rounded up, never “0 KB”)."""
    if size < 1024 * 1024:
        return f"{max(1, -(-size // 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@cache
def _parser() -> MarkdownIt:
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    return md


def is_attachment_target(target: str) -> bool:
    """A relative link to a file (with an extension) — not a page anchor, a site path or a URL."""
    target = target.strip()
    if not target or target.startswith(("#", "/", "//", "\\")) or _SCHEME.match(target):
        return False
    path = unquote(target.split("#", 1)[0].split("?", 1)[0]).rstrip("/")
    return bool(extension_of(path)) and extension_of(path) != "md"


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def attachment_refs(item: ContentItem) -> list[AttachmentRef]:
    """Every link to an attachment in the body, in order, with the line and column it is on."""
    return list(_body_refs(item.body, item.body_line))


# A plain image `![alt](src)` is not a link; without the backslash of an escaped `\![a](b.pdf)`,
# which is one. Only used to decide whether a body needs parsing at all.
_PLAIN_IMAGE = re.compile(r"(?<!\\)!\[[^\]\[]*\]\([^()]*\)")


# What may follow `](` or a definition's `]:` before a link destination (spaces, one line break,
# `<`), then the start of a destination that is never a file: a URL with a scheme or an anchor.
_NOT_A_FILE = re.compile(r"[ \t]*\n?[ \t]*<?(?:https?://|mailto:|#)", re.IGNORECASE)
# `[^label]:` (a label without spaces, backslashes or brackets, at a line's start or after a
# quote marker) is a footnote definition or plain text, never a link reference definition: the
# footnote rule comes before the reference rule and takes every such definition.
_FOOTNOTE_LABEL = re.compile(r"(?:^|(?<=[ \t>]))\[\^[^\[\]\s\\]+$", re.MULTILINE)


def _may_link_a_file(body: str) -> bool:
    """False only when no link in `body` can lead to a file. A link's destination starts right
    after a `](` (inline links) or a definition's `]:` (reference links; autolinks always have a
    scheme), or is an HTML `<a href>`: each is looked at without parsing, and a URL with a scheme,
    an anchor, a footnote or a plain picture's own `](` is not a file. Anything else (a relative
    target, markup not read at a glance) means: parse."""
    pictures = {body.find("](", m.start()) for m in _PLAIN_IMAGE.finditer(body)} if "![" in body else set()
    for at in _find_all(body, "]("):
        if at not in pictures and not _NOT_A_FILE.match(body, at + 2):
            return True
    for at in _find_all(body, "]:"):
        if _FOOTNOTE_LABEL.search(body, body.rfind("\n", 0, at) + 1, at):
            continue
        if not _NOT_A_FILE.match(body, at + 2):
            return True
    if "<a" in body.lower():
        # The parse looks for the same pattern in each raw HTML piece of the body.
        return any(is_attachment_target(unquote(m.group(1).strip("\"'"))) for m in _HTML_ANCHOR.finditer(body))
    return False


def _find_all(text: str, needle: str):
    at = text.find(needle)
    while at != -1:
        yield at
        at = text.find(needle, at + 1)


@lru_cache(maxsize=64)
def _body_refs(body: str, body_line: int) -> tuple[AttachmentRef, ...]:
    """Cached: the check and each channel's renderer ask for the same body's references in turn;
    most bodies link nothing that could be a file (pictures, web links, footnotes) and need no
    parse."""
    if not _may_link_a_file(body):
        return ()
    return _scan(body, body_line)


def _scan(body: str, body_line: int) -> tuple[AttachmentRef, ...]:
    """The references of a body, from a markdown-it-py parse."""
    lines = body.split("\n")
    refs: list[AttachmentRef] = []
    block_line = 0
    for token in _walk(_parser().parse(body)):
        if token.map:
            block_line = token.map[0]
        found: list[tuple[str, str]] = []
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            found.append((href, ""))
        elif token.type in ("html_inline", "html_block"):
            found.extend((m.group(1).strip("\"'"), "") for m in _HTML_ANCHOR.finditer(token.content))
        for href, _ in found:
            if not is_attachment_target(unquote(href)):
                continue
            target = unquote(href.split("#", 1)[0].split("?", 1)[0])
            line, col = _locate(lines, block_line, href, target)
            refs.append(AttachmentRef(target, "", body_line + line if line is not None else None, col))
    return tuple(_with_texts(refs, body))


def _locate(lines: list[str], start: int, href: str, target: str) -> tuple[int | None, int | None]:
    for number in range(start, len(lines)):
        for needle in (href, target):
            col = lines[number].find(needle)
            if col != -1:
                return number, col + 1
    return None, None


_LINK_TEXT = re.compile(r"\[((?:[^\[\]\\\n]|\\.)*)\]\(\s*<?([^)>\n]*?)>?(?:\s+\"[^\"]*\")?\s*\)")


def _with_texts(refs: list[AttachmentRef], body: str) -> list[AttachmentRef]:
    """The link text of each reference (what the editor called the file)."""
    texts: dict[str, str] = {}
    for match in _LINK_TEXT.finditer(body):
        texts.setdefault(unquote(match.group(2).strip()), match.group(1).strip())
    return [AttachmentRef(r.target, texts.get(r.target, ""), r.line, r.col) for r in refs]


def name_problem(name: str) -> str | None:
    """Why a file name is not safe to publish, or None."""
    if _UNSAFE_NAME.search(name):
        bad = _UNSAFE_NAME.search(name).group(0)  # type: ignore[union-attr]
        shown = bad if bad.isprintable() else f"控制字符 U+{ord(bad):04X}"
        return f"文件名含有不能使用的字符“{shown}”（文件名中不要用 < > : \" | ? * \\ # % 和控制字符）"
    if name != name.strip() or name.startswith((".", "-")) or name.endswith("."):
        return "文件名不能以空格、点或连字符开头，也不能以空格或点结尾"
    if len(name) > MAX_NAME_CHARS:
        return f"文件名过长（{len(name)} 个字符，上限 {MAX_NAME_CHARS} 个）"
    if _RESERVED.match(name):
        return f"“{name}”是 Windows 保留的设备名，不能作文件名"
    return None


def locate(folder: Path, target: str) -> Path | Problem:
    """The file an attachment link names, kept inside the item's folder."""
    relative = target.replace("\\", "/")
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if relative.startswith("/") or re.match(r"^[A-Za-z]:", relative) or ".." in parts or not parts:
        return ("attachment-outside-folder", "附件必须放在条目自己的文件夹内（不能用绝对路径或 ..）")
    path = os.path.join(folder, *parts)
    try:
        real = os.path.realpath(path, strict=True)
    except OSError:
        return ("attachment-missing", "找不到附件文件（请检查文件名和大小写，附件应与 index.md 放在同一文件夹）")
    base = os.path.realpath(folder)
    if not real.startswith(base.rstrip("/") + "/"):
        return ("attachment-outside-folder", "附件是指向条目文件夹以外的链接（symlink），不能使用")
    if not stat_module.S_ISREG(os.stat(real).st_mode):
        return ("attachment-missing", "这不是一个文件")
    return Path(real)


def content_problems(path: Path, extension: str) -> list[Problem]:
    """The file's bytes against its extension: executables never, a renamed file not either."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(_EXECUTABLE_MAGIC):
        return [("attachment-forbidden-type", "文件内容是可执行程序或脚本，不能作为附件发布")]
    expected = _MAGIC.get(extension)
    if expected is not None and not head.startswith(expected):
        return [("attachment-content-mismatch",
                 f"文件内容与扩展名 .{extension} 不符（可能是改了扩展名的其他文件），请用原软件重新导出或另存")]
    if extension == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return [("attachment-content-mismatch", "压缩包已损坏，无法打开，请重新压缩")]
        bad = [n for n in names if extension_of(n.rstrip("/")) in FORBIDDEN_TYPES]
        if bad:
            return [("attachment-forbidden-type",
                     f"压缩包中含有可执行程序或脚本（{bad[0]}），不能作为附件发布")]
    return []


def inspect_attachment(folder: Path, ref: AttachmentRef, types: tuple[str, ...], max_bytes: int
                       ) -> Path | list[Problem]:
    """The attachment's file, or every reason it cannot be published."""
    name = posixpath.basename(ref.target.replace("\\", "/"))
    extension = extension_of(name)
    if extension in FORBIDDEN_TYPES:
        return [("attachment-forbidden-type",
                 f"不能发布 .{extension} 文件：可执行程序、脚本和网页文件不能作为附件")]
    if extension not in types:
        allowed = "、".join(types)
        return [("attachment-type", f"不支持的附件类型 .{extension}（可用：{allowed}）")]
    problems: list[Problem] = []
    why = name_problem(name)
    if why:
        problems.append(("attachment-bad-name", why + "；请改名后同时修改正文中的链接"))
    located = locate(folder, ref.target)
    if not isinstance(located, Path):
        return problems + [located]
    size = located.stat().st_size
    if size > max_bytes:
        problems.append(("attachment-too-large",
                         f"附件过大（{size_text(size)}），上限 {size_text(max_bytes)}；"
                         "请压缩图片、拆分文件或改为提供下载链接"))
    elif size == 0:
        problems.append(("attachment-empty", "附件是空文件"))
    problems.extend(content_problems(located, extension))
    return problems or located


def item_attachments(item: ContentItem, types: tuple[str, ...] = DEFAULT_TYPES,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> list[Attachment]:
    """The attachments a renderer may publish: each file once, numbered in order, problems left
    out (the check reports them and blocks publishing)."""
    result: list[Attachment] = []
    seen: set[str] = set()
    for ref in attachment_refs(item):
        if ref.target in seen:
            continue
        seen.add(ref.target)
        found = inspect_attachment(item.folder, ref, types, max_bytes)
        if isinstance(found, Path):
            result.append(Attachment(ref, found, len(result) + 1))
    return result


def published_attachments(item: ContentItem, matrix: Matrix) -> list[Attachment]:
    """`item_attachments` with the repo's `[attachments]` settings."""
    return item_attachments(item, tuple(matrix.attachments.types), matrix.attachments.max_bytes)
