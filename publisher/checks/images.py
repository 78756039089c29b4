"""Images the body references (Markdown `![..](..)`, reference images, raw `<img src>`) and the
cover: present, inside the item's folder, real pictures, not decompression bombs, within limits.

Only headers are read to get the size (`Image.open` is lazy); `verify()` then walks the file's
structure without decoding the pixels, so a 100 MP camera original costs milliseconds and a
30000×30000 “bomb” never gets decoded (limits: publisher.content.picture_limits). Remote images are refused unless `allow_remote_images` is on, and then
never to loopback/private/link-local addresses (SSRF) — checked on every resolved address.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import stat as stat_module
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PIL import Image

from publisher.checks.context import CheckContext
from publisher.checks.positions import TextMap, finding
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem
from publisher.content.picture_limits import header_size, too_many_pixels

Problem = tuple[str, str, Severity]  # code, message, severity

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_CODE_SPAN = re.compile(r"(`+)[^`\n].*?\1")
_INLINE = re.compile(
    r"!\[(?:[^\]\\\n]|\\.)*\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
)
_REFERENCE = re.compile(r"!\[((?:[^\]\\\n]|\\.)*)\](?:\[((?:[^\]\\\n]|\\.)*)\])?(?![(\[:])")
_DEFINITION = re.compile(r"^ {0,3}\[((?:[^\]\\\n]|\\.)+)\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class ImageRef:
    target: str
    line: int | None
    col: int | None
    role: str  # "body" | "cover"


def _mask_code(text: str) -> str:
    """Code blocks and code spans blanked out (same length, newlines kept) so examples of image
    syntax inside code are not taken for images."""
    if "`" not in text and "~~~" not in text:
        return text
    chars = list(text)
    fence: str | None = None
    start = 0
    pos = 0
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, start = match.group(1), pos
        elif fence is not None and match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            for i in range(start, pos + len(line)):
                if chars[i] != "\n":
                    chars[i] = " "
            fence = None
        pos += len(line) + 1
    if fence is not None:  # unclosed fence: code runs to the end
        for i in range(start, len(chars)):
            if chars[i] != "\n":
                chars[i] = " "
    masked = "".join(chars)
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def body_images(item: ContentItem) -> list[ImageRef]:
    body = item.body
    if "![" not in body and "<img" not in body.lower():
        return []
    text = _mask_code(body)
    positions = TextMap(body, item.body_line)
    found: list[tuple[int, str]] = []
    for match in _INLINE.finditer(text):
        found.append((match.start(1), match.group(1).strip("<>")))
    definitions = {_label(m.group(1)): (m.start(2), m.group(2).strip("<>")) for m in _DEFINITION.finditer(text)}
    for match in _REFERENCE.finditer(text):
        label = _label(match.group(2) or match.group(1))
        if label in definitions:
            found.append(definitions[label])
    for match in _HTML_IMG.finditer(text):
        found.append((match.start(1), match.group(1).strip("\"'")))
    refs = []
    for offset, target in sorted(set(found)):
        line, col = positions.position(offset)
        refs.append(ImageRef(target, line, col, "body"))
    return refs


def check_images(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    refs = body_images(item)
    if item.meta.cover:
        refs.append(ImageRef(item.meta.cover, item.line_of("cover"), None, "cover"))
    findings = []
    for ref in refs:
        for code, message, severity in _check_ref(item, ref, ctx):
            label = "封面" if ref.role == "cover" else "图片"
            findings.append(finding(item, code, f"{label}“{ref.target}”：{message}", ref.line, ref.col, severity))
    return findings


def _check_ref(item: ContentItem, ref: ImageRef, ctx: CheckContext) -> list[Problem]:
    target = ref.target.strip()
    if not target:
        return [("image-missing", "图片地址为空", Severity.ERROR)]
    if target.startswith("//"):
        target = "https:" + target
    scheme = _SCHEME.match(target)
    if scheme and len(scheme.group(1)) > 1:
        if scheme.group(1).lower() not in ("http", "https"):
            return [("image-bad-scheme", f"不支持的图片地址类型“{scheme.group(1)}:”，请把图片放在条目文件夹中", Severity.ERROR)]
        if not ctx.allow_remote_images:
            return [("image-remote", "不允许引用外部网络图片，请下载后放在条目文件夹中", Severity.ERROR)]
        return _check_remote(target, ctx)
    return _check_local(item, target, ctx)


def _check_local(item: ContentItem, target: str, ctx: CheckContext) -> list[Problem]:
    relative = unquote(target.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if relative.startswith("/") or _SCHEME.match(relative) or ".." in parts or not parts:
        return [("image-outside-folder", "图片必须放在条目自己的文件夹内（不能用绝对路径或 ..）", Severity.ERROR)]
    folder = os.path.dirname(item.path)
    # Walk the components with lstat: no symlink on the way means the file is inside the folder
    # (no `..` either), without a realpath of every image. A symlink gets the full resolve.
    # Plain strings, not pathlib: this runs for every image of every item.
    current = folder
    try:
        for part in parts:
            current = os.path.join(current, part)
            info = os.lstat(current)
            if stat_module.S_ISLNK(info.st_mode):
                real = os.path.realpath(os.path.join(folder, *parts), strict=True)
                if os.path.commonpath([real, os.path.realpath(folder)]) != os.path.realpath(folder):
                    return [("image-outside-folder", "图片是指向条目文件夹以外的链接（symlink），不能使用", Severity.ERROR)]
                current, info = real, os.stat(real)
                break
    except (OSError, ValueError):  # missing, dangling link or a loop
        return [("image-missing", "找不到图片文件（请检查文件名和大小写）", Severity.ERROR)]
    if not stat_module.S_ISREG(info.st_mode):
        return [("image-missing", "这不是图片文件", Severity.ERROR)]
    # The same file (hard links included) is inspected once per run.
    key = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
    if key not in ctx.image_results:
        if len(ctx.image_results) > 100_000:  # a long-running planner keeps its context
            ctx.image_results.clear()
        ctx.image_results[key] = _inspect(Path(current), info.st_size, ctx)
    return ctx.image_results[key]


def _inspect(path: Path, size: int, ctx: CheckContext) -> list[Problem]:
    limits = ctx.matrix.checks
    if size > limits.image_max_bytes:
        return [("image-too-large",
                 f"图片文件过大（{size / 1048576:.1f} MB），上限 {limits.image_max_bytes / 1048576:.0f} MB；"
                 "请用看图或修图软件另存为较小的 JPEG（质量 85% 左右即可）",
                 Severity.ERROR)]
    try:
        with warnings.catch_warnings():
            # Our own limit below decides (with the size in the message); Pillow's warning is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > limits.image_max_pixels:
                    return [("image-bomb", too_many_pixels(width, height, limits.image_max_pixels), Severity.ERROR)]
                image.verify()
    except Image.DecompressionBombError:
        size = header_size(path)
        return [("image-bomb", too_many_pixels(*(size or (None, None)), limits.image_max_pixels), Severity.ERROR)]
    except Exception:  # Pillow raises many types for broken files; all mean the same to editors
        return [("image-decode", "无法识别的图片文件（已损坏或不是图片），请重新导出为 JPEG 或 PNG", Severity.ERROR)]
    return []


def _check_remote(url: str, ctx: CheckContext) -> list[Problem]:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return [("image-bad-url", "图片网址格式不正确", Severity.ERROR)]
    if not host:
        return [("image-bad-url", "图片网址缺少主机名", Severity.ERROR)]
    if host not in ctx.host_results:
        ctx.host_results[host] = _host_problem(host, port)
    problem = ctx.host_results[host]
    return [problem] if problem else []


def _host_problem(host: str, port: int) -> Problem | None:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ("image-remote-unresolvable", f"无法解析图片网址的主机“{host}”", Severity.WARNING)
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return ("image-remote-private",
                    f"图片网址指向内网或本机地址（{address}），出于安全考虑不允许", Severity.ERROR)
    return None
