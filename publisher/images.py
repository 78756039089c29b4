"""Image preparation for every channel (Pillow): orientation applied, metadata removed, size and
byte limits met, deterministic bytes.

Why each step:
- `draft()` lets libjpeg decode a 24 MP photo at 1/2, 1/4 or 1/8 scale: the fast downscale.
- `exif_transpose` applies the camera's orientation; the output is saved without `exif=`, so
  EXIF (GPS included) and ICC/XMP never leave the machine.
- CMYK and palette images become RGB; transparency is flattened on white for JPEG.
- Pillow's encoders are deterministic for the same input and settings, so a rendition's content
  hash only changes when the picture or the settings change.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from PIL import Image, ImageOps

# A 24 MP camera photo is normal; 50 MP is a generous ceiling. Above it: a decompression bomb.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# A source file above this is refused before it is read (a camera JPEG is 5–15 MB).
MAX_SOURCE_BYTES = 50 * 1024 * 1024

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class ImageProblem(Exception):
    """An image that cannot be used; the message is for editors."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    media_type: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png"}.get(self.media_type, "bin")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def is_remote(ref: str) -> bool:
    """A reference with a scheme (http:, data:, file:, …) or a protocol-relative `//host/…`."""
    head = ref.strip().split("/", 1)[0]
    return ref.strip().startswith("//") or (":" in head)


def read_local(folder: Path, ref: str, *, url_encoded: bool = False) -> bytes:
    """The bytes of an image an item references, refusing anything outside the item's folder.

    `ref` is relative to `folder`; Markdown image references come percent-encoded
    (`url_encoded=True`). Absolute paths, `..` escapes and symlinks resolving elsewhere are
    refused, so a crafted item cannot make a renderer read (and publish) other files.
    """
    if is_remote(ref):
        raise ImageProblem("image-remote", f"不能使用远程图片“{ref}”，请把图片放进条目文件夹")
    name = unquote(ref) if url_encoded else ref
    relative = PurePosixPath(name.replace("\\", "/"))
    if not name.strip() or relative.is_absolute() or ".." in relative.parts:
        raise ImageProblem("image-path", f"图片路径“{ref}”不在条目文件夹内")
    base = folder.resolve()
    candidate = base.joinpath(*relative.parts)
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ImageProblem("image-missing", f"找不到图片“{name}”（应与 index.md 在同一文件夹）") from None
    if not resolved.is_relative_to(base):
        raise ImageProblem("image-path", f"图片“{name}”指向条目文件夹以外的位置，已拒绝")
    if not resolved.is_file():
        raise ImageProblem("image-missing", f"“{name}”不是图片文件")
    size = resolved.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise ImageProblem("image-source-too-large", f"图片“{name}”过大（{size / 1048576:.1f} MB），上限 {MAX_SOURCE_BYTES // 1048576} MB")
    return resolved.read_bytes()


def inspect(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from the header only; raises ImageProblem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                fmt = im.format or ""
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("image-bomb", f"图片像素过多（超过 {MAX_PIXELS // 1_000_000} 百万像素），疑似“解压炸弹”") from None
    except Exception:
        raise ImageProblem("image-decode", "无法识别的图片文件（已损坏或不是图片）") from None
    if width * height > MAX_PIXELS:
        raise ImageProblem("image-bomb", f"图片像素过多（{width}×{height}），疑似“解压炸弹”")
    return fmt, width, height


def _load(data: bytes, target: tuple[int, int] | None) -> Image.Image:
    inspect(data)
    im = Image.open(io.BytesIO(data))
    if target and im.format == "JPEG":
        # Decode at the smallest 1/2^n scale still at least as large as the target.
        im.draft("RGB", target)
    try:
        im = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block must not stop the picture
        im.load()
    if im.mode in ("CMYK", "YCbCr", "LAB", "HSV", "I", "F", "I;16"):
        im = im.convert("RGB")
    elif im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode == "LA":
        im = im.convert("RGBA")
    return im


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode == "RGBA":
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        return background
    return im if im.mode in ("RGB", "L") else im.convert("RGB")


def _fit(im: Image.Image, max_side: int | None) -> Image.Image:
    if max_side and max(im.size) > max_side:
        scale = max_side / max(im.size)
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        # reducing_gap: reduce() by an integer factor first, then a short Lanczos pass.
        return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return im


def _encode(im: Image.Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        im.save(out, "PNG", optimize=False, compress_level=6)
    else:
        _flatten(im).save(out, "JPEG", quality=quality, optimize=True, progressive=False, subsampling="4:2:0")
    return out.getvalue()


def prepare(
    data: bytes,
    *,
    max_side: int | None = None,
    max_bytes: int | None = None,
    fmt: str | None = None,
    crop: tuple[float, float, float, float] | None = None,
    quality: int = 85,
) -> PreparedImage:
    """Prepare one output image.

    `fmt` None keeps PNG for images with transparency and uses JPEG otherwise. `crop` is a box on
    the 0..1 grid. Over `max_bytes`, quality steps down, then the picture shrinks, until it fits.
    """
    try:
        return _prepare(data, max_side, max_bytes, fmt, crop, quality)
    except ImageProblem:
        raise
    except Exception:  # Pillow decodes lazily: a truncated file fails here, with many types
        raise ImageProblem("image-decode", "图片文件已损坏或不完整，无法处理") from None


def _prepare(data: bytes, max_side, max_bytes, fmt, crop, quality: int) -> PreparedImage:
    target = (max_side, max_side) if max_side and not crop else None
    im = _load(data, target)
    if crop:
        x1, y1, x2, y2 = crop
        im = im.crop((round(x1 * im.width), round(y1 * im.height), round(x2 * im.width), round(y2 * im.height)))
    im = _fit(im, max_side)
    out_fmt = fmt or ("PNG" if im.mode == "RGBA" else "JPEG")
    encoded = _encode(im, out_fmt, quality)
    while max_bytes and len(encoded) > max_bytes:
        if out_fmt == "JPEG" and quality > 45:
            quality -= 10
        elif max(im.size) > 64:
            out_fmt = "JPEG"  # a PNG that is too big becomes a JPEG before it shrinks
            im = _fit(im, int(max(im.size) * 0.8))
        else:
            raise ImageProblem("image-too-large", "图片无法压缩到渠道要求的大小")
        encoded = _encode(im, out_fmt, quality)
    return PreparedImage(encoded, MEDIA_TYPES[out_fmt], im.width, im.height)


def crop_box(width: int, height: int, ratio: float, focus: tuple[float, float] | None = None) -> tuple[float, float, float, float]:
    """The largest box of `ratio` (w/h) inside the picture, centred on `focus` (0..1), as a 0..1 grid
    box (x1, y1, x2, y2) — WeChat's `pic_crop_235_1` / `pic_crop_1_1` format."""
    fx, fy = focus or (0.5, 0.5)
    if width / height > ratio:
        box_w, box_h = height * ratio / width, 1.0
    else:
        box_w, box_h = 1.0, width / ratio / height
    x1 = min(max(fx - box_w / 2, 0.0), 1.0 - box_w)
    y1 = min(max(fy - box_h / 2, 0.0), 1.0 - box_h)
    return (round(x1, 6), round(y1, 6), round(x1 + box_w, 6), round(y1 + box_h, 6))


class ImageCache:
    """Prepared images on disk, keyed by the source bytes' hash and the settings: repeat renders
    (preview, check, plan, publish, site rebuilds) do not re-encode."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def prepare(self, data: bytes, **options) -> PreparedImage:
        if self.folder is None:
            return prepare(data, **options)
        key_src = hashlib.sha256(data).hexdigest() + repr(sorted(options.items()))
        key = hashlib.sha256(key_src.encode()).hexdigest()
        path = self.folder / key[:2] / key
        meta = path.with_suffix(".meta")
        if path.is_file() and meta.is_file():
            media_type, w, h = meta.read_text().split()
            return PreparedImage(path.read_bytes(), media_type, int(w), int(h))
        result = prepare(data, **options)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several processes (build workers, Celery workers) may prepare the same picture at once:
        # each writes its own temporary file, and both files appear whole or not at all.
        _write_atomic(path, result.data)
        _write_atomic(meta, f"{result.media_type} {result.width} {result.height}".encode())
        return result


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
