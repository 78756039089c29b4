"""Reading a department's Word file: `.docx` through mammoth, pictures through Pillow with
their EXIF (GPS included) dropped, `.doc` through LibreOffice when it is installed, and a
clear sentence for everything that cannot be read (`.wps`, `.doc` without LibreOffice, a
damaged file, something that is not a Word file at all)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import mammoth
from PIL import Image, ImageOps, UnidentifiedImageError

from publisher.office.submissions.html_markdown import Converted, html_to_markdown

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .doc / .wps container
SOFFICE_SECONDS = 120
_SAVE = {"JPEG": ("jpg", "JPEG"), "PNG": ("png", "PNG"), "GIF": ("png", "PNG"), "BMP": ("png", "PNG"),
         "TIFF": ("png", "PNG"), "WEBP": ("png", "PNG")}  # fmt: skip


class WordFileError(ValueError):
    """The file cannot be taken in; the message says why and what to do, for the editor."""


@dataclass
class WordDocument:
    title: str | None
    body: str
    pictures: dict[str, bytes] = field(default_factory=dict)  # file name → bytes, EXIF-free
    footnotes: int = 0
    warnings: list[str] = field(default_factory=list)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_word(path: Path) -> WordDocument:
    shown = path.name
    if not path.is_file():
        raise WordFileError(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    head = path.read_bytes()[:8]
    if suffix == ".wps":
        raise WordFileError(f"{shown}：WPS 文字格式（.wps）无法直接读取，请在 WPS 中“另存为”Word 文档（.docx）后再报送")
    if suffix == ".doc" or (suffix == ".docx" and head == OLE_MAGIC):
        return _read_docx(_converted_doc(path), shown)
    if suffix != ".docx":
        raise WordFileError(f"{shown}：只能报送 Word 文档（.docx；.doc 需安装 LibreOffice 自动转换），不支持“{path.suffix or '无扩展名'}”")
    return _read_docx(path, shown)


def _converted_doc(path: Path) -> Path:
    program = soffice()
    if program is None:
        raise WordFileError(
            f"{path.name}：这是旧版 Word 文件（.doc），本机未安装 LibreOffice，无法自动转换；"
            "请在 Word 或 WPS 中“另存为”.docx 后再报送"
        )
    out = Path(tempfile.mkdtemp(prefix="intake-doc-"))
    source = out / ("source" + ".doc")
    shutil.copyfile(path, source)
    try:
        subprocess.run(
            [program, "--headless", "--convert-to", "docx", "--outdir", str(out), str(source)],
            check=True, capture_output=True, timeout=SOFFICE_SECONDS,
            env={"HOME": str(out), "PATH": "/usr/bin:/bin"},  # its own profile: no clash with a running office
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError):
        raise WordFileError(f"{path.name}：LibreOffice 未能把这个 .doc 文件转换为 .docx，文件可能已损坏") from None
    converted = out / "source.docx"
    if not converted.is_file():
        raise WordFileError(f"{path.name}：LibreOffice 未能把这个 .doc 文件转换为 .docx，文件可能已损坏")
    return converted


def _read_docx(path: Path, shown: str) -> WordDocument:
    try:
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                raise WordFileError(f"{shown}：文件不完整（缺少正文部分），可能已损坏，请重新保存后报送")
    except zipfile.BadZipFile:
        raise WordFileError(f"{shown}：文件已损坏或不是 Word 文档（.docx），请用 Word 或 WPS 打开确认后重新保存") from None
    pictures: dict[str, bytes] = {}
    warnings: list[str] = []

    def picture(image) -> dict[str, str]:
        with image.open() as stream:
            data = stream.read()
        saved = _clean_picture(data, len(pictures) + 1)
        if saved is None:
            warnings.append(f"第 {len(pictures) + len(warnings) + 1} 张图片的格式（{image.content_type}）无法读取，已略去，请另行提供")
            return {}
        name, payload = saved
        pictures[name] = payload
        return {"src": name, "alt": (image.alt_text or "").strip()}

    try:
        with path.open("rb") as handle:
            result = mammoth.convert_to_html(handle, convert_image=mammoth.images.img_element(picture))
    except WordFileError:
        raise
    except Exception as exc:  # mammoth raises plain errors for broken XML inside the archive
        raise WordFileError(f"{shown}：无法读取文件内容（{type(exc).__name__}），文件可能已损坏") from None
    converted: Converted = html_to_markdown(result.value)
    if not converted.body.strip() and not converted.title:
        raise WordFileError(f"{shown}：文件中没有正文")
    return WordDocument(converted.title, converted.body, pictures, converted.footnotes, warnings)


def _clean_picture(data: bytes, number: int) -> tuple[str, bytes] | None:
    """The picture re-encoded without EXIF (turned upright first, as the camera meant it)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            if fmt not in _SAVE:
                return None
            upright = ImageOps.exif_transpose(image)
            ext, save_as = _SAVE[fmt]
            if save_as == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            buffer = io.BytesIO()
            upright.save(buffer, save_as, **({"quality": 92} if save_as == "JPEG" else {}))  # no exif= : dropped
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return f"picture-{number}.{ext}", buffer.getvalue()
