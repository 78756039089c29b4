"""Image preparation for every channel (Pillow): orientation applied, metadata removed, size and
byte limits met, deterministic bytes.

Why each step:
- `draft()` lets libjpeg decode a 24 MP photo at 1/2, 1/4 or 1/8 scale: the fast downscale.
  The variants a channel needs of one picture (`prepare_many`) share one decode, at the scale the
  most demanding needs; the others are box-reduced from it to their own draft scale.
- `exif_transpose` applies the camera's orientation; the output is saved without `exif=`, so
  EXIF (GPS included) and ICC/XMP never leave the machine.
- CMYK and palette images become RGB; transparency is flattened on white for JPEG.
- Pillow's encoders are deterministic for the same input and settings, so a rendition's content
  hash only changes when the picture, the settings or the pipeline (PIPELINE) change.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import stat as stat_module
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from PIL import Image, ImageOps

from publisher.content.picture_limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    header_size,
    too_many_pixels,
)
from publisher.render import item_renders

# Camera originals (24–200 MP) are normal input and are downscaled for every channel; the ceiling
# is against decompression bombs (publisher.content.picture_limits). Pillow's own guard (a warning
# above this, an error at twice this) stays on as a second line behind `inspect`.
MAX_PIXELS = DEFAULT_MAX_PIXELS
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# A source file above this is refused before it is read (a 100 MP camera JPEG is 40–60 MB).
MAX_SOURCE_BYTES = 2 * DEFAULT_MAX_BYTES

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}

# The version of the decode/resample/encode steps below: part of every ImageCache key, so a
# variant prepared by an earlier pipeline is never served beside this one's (the same source and
# options would otherwise give different bytes, hence different rendition hashes, depending on
# whether a process found them in the cache). Raise it whenever `prepare` output bytes change.
# 2: bicubic instead of Lanczos after draft(); orientation applied without a copy.
# Not raised for `prepare_many` (issue 17): `prepare` gives the same bytes as before, and so does
# each variant of a set decoded at its own draft scale; one box-reduced from a finer decode is new
# pixels under a new key (`ImageCache._key` names its reduction), never served for an old one.
PIPELINE = 2


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
    # sha256 of `data` when known (the image cache keeps it in each variant's meta file);
    # empty: `sha256` hashes the bytes.
    digest: str = field(default="", repr=False, compare=False)

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png"}.get(self.media_type, "bin")

    @property
    def sha256(self) -> str:
        return self.digest or hashlib.sha256(self.data).hexdigest()


def is_remote(ref: str) -> bool:
    """A reference with a scheme (http:, data:, file:, …) or a protocol-relative `//host/…`."""
    head = ref.strip().split("/", 1)[0]
    return ref.strip().startswith("//") or (":" in head)


def locate_local(folder: Path, ref: str, *, url_encoded: bool = False) -> Path:
    """The resolved path of an image an item references, refusing anything outside the item's
    folder (see `read_local`), without reading it.

    Within one item's renders (`item_renders.one_item`) each reference is looked up once for all
    the item's channels: every channel locates the cover and the body pictures, some twice (is
    the cover among the body's pictures? then its variants)."""
    located = item_renders.located()
    if located is None:
        return _locate(folder, ref, url_encoded)
    key = (folder, ref, url_encoded)
    found = located.get(key)
    if found is None:
        try:
            found = _locate(folder, ref, url_encoded)
        except ImageProblem as problem:
            found = problem
        located[key] = found
    if isinstance(found, ImageProblem):
        raise ImageProblem(found.code, found.message)
    return found


def _locate(folder: Path, ref: str, url_encoded: bool) -> Path:
    if is_remote(ref):
        raise ImageProblem("image-remote", f"不能使用远程图片“{ref}”，请把图片放进条目文件夹")
    name = unquote(ref) if url_encoded else ref
    slashed = name.replace("\\", "/")
    # The parts PurePosixPath would give (no empty or "." parts), without building one.
    parts = tuple(part for part in slashed.split("/") if part and part != ".")
    if not name.strip() or slashed.startswith("/") or ".." in parts:
        raise ImageProblem("image-path", f"图片路径“{ref}”不在条目文件夹内")
    # os.path on strings: the same resolution as Path.resolve(strict=True), at a fraction of
    # the cost (this runs for every picture of every channel of every rendered item).
    base = _real_folder(os.fspath(folder))
    try:
        resolved, info = _resolve_inside(base, parts)
    except (OSError, RuntimeError):
        raise ImageProblem("image-missing", f"找不到图片“{name}”（应与 index.md 在同一文件夹）") from None
    if resolved != base and not resolved.startswith(base.rstrip("/") + "/"):
        raise ImageProblem("image-path", f"图片“{name}”指向条目文件夹以外的位置，已拒绝")
    if not stat_module.S_ISREG(info.st_mode):
        raise ImageProblem("image-missing", f"“{name}”不是图片文件")
    return Path(resolved)


# The real path of item folders seen lately, each with the (device, inode) it led to: a folder
# is reused only while both the folder's path and its real path still lead to that directory
# (two stat calls instead of an lstat of every component of both paths).
_REAL_FOLDERS: dict[str, tuple[str, int, int]] = {}


def _real_folder(folder: str) -> str:
    known = _REAL_FOLDERS.get(folder)
    if known is not None:
        real, dev, ino = known
        try:
            here, there = os.stat(folder), os.stat(real)
        except OSError:
            here = there = None
        if here is not None and there is not None and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino) == (dev, ino):
            return real
    real = os.path.realpath(folder)
    try:
        info = os.stat(real)
    except OSError:
        return real
    if len(_REAL_FOLDERS) >= 4096:
        _REAL_FOLDERS.clear()
    _REAL_FOLDERS[folder] = (real, info.st_dev, info.st_ino)
    return real


def _resolve_inside(base: str, parts: tuple[str, ...]) -> tuple[str, os.stat_result]:
    """realpath(base/parts, strict=True) and the file's stat, for a real (symlink-free) `base`:
    each component is lstat'ed; one that is a symlink hands over to the full resolution."""
    current = base
    info = None
    for part in parts:
        current = os.path.join(current, part)
        info = os.lstat(current)
        if stat_module.S_ISLNK(info.st_mode):
            resolved = os.path.realpath(os.path.join(base, *parts), strict=True)
            return resolved, os.stat(resolved)
    if info is None:  # no parts: the folder itself
        return base, os.stat(base)
    return current, info


def read_checked(path: Path, name: str) -> bytes:
    """A located image's bytes, refusing files over MAX_SOURCE_BYTES before reading them."""
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise ImageProblem("image-source-too-large", f"图片“{name}”过大（{size / 1048576:.1f} MB），上限 {MAX_SOURCE_BYTES // 1048576} MB")
    return path.read_bytes()


def read_local(folder: Path, ref: str, *, url_encoded: bool = False) -> bytes:
    """The bytes of an image an item references, refusing anything outside the item's folder.

    `ref` is relative to `folder`; Markdown image references come percent-encoded
    (`url_encoded=True`). Absolute paths, `..` escapes and symlinks resolving elsewhere are
    refused, so a crafted item cannot make a renderer read (and publish) other files.
    """
    path = locate_local(folder, ref, url_encoded=url_encoded)
    return read_checked(path, unquote(ref) if url_encoded else ref)


def inspect(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) from the header only; raises ImageProblem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit below decides
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                fmt = im.format or ""
    except Image.DecompressionBombError:
        size = header_size(data) or (None, None)
        raise ImageProblem("image-bomb", too_many_pixels(*size, MAX_PIXELS)) from None
    except Exception:
        raise ImageProblem("image-decode", "无法识别的图片文件（已损坏或不是图片），请重新导出为 JPEG 或 PNG") from None
    if width * height > MAX_PIXELS:
        raise ImageProblem("image-bomb", too_many_pixels(width, height, MAX_PIXELS))
    return fmt, width, height


def _damaged() -> ImageProblem:
    """A picture whose header reads but whose data does not decode (a truncated file)."""
    return ImageProblem("image-decode", "图片文件已损坏或不完整，无法处理")


def check_decodes(data: bytes) -> None:
    """Raise ImageProblem unless the whole picture decodes: `inspect` reads only the header, which
    a truncated JPEG still has. A JPEG is decoded at ⅛ scale (libjpeg still reads every byte)."""
    inspect(data)
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
    except Exception:  # Pillow raises many types for a damaged file
        raise _damaged() from None


def _target(max_side: int | None, crop: tuple[float, float, float, float] | None) -> tuple[int, int] | None:
    """The size a variant needs decoded: with a crop, the cropped part must still be at least
    `max_side` on each side."""
    if not max_side:
        return None
    x1, y1, x2, y2 = crop or (0.0, 0.0, 1.0, 1.0)
    return (math.ceil(max_side / max(x2 - x1, 1e-6)), math.ceil(max_side / max(y2 - y1, 1e-6)))


def _draft_scale(size: tuple[int, int], target: tuple[int, int] | None) -> int:
    """The 1/2^n scale JpegImageFile.draft() picks for `target` on a picture of `size` (stored,
    before orientation): the coarsest of 8, 4, 2, 1 still at least as large as the target."""
    if target is None:
        return 1
    scale = min(size[0] // max(target[0], 1), size[1] // max(target[1], 1))
    return next((s for s in (8, 4, 2) if scale >= s), 1)


def decode_scale(size: tuple[int, int], variants: Sequence[Mapping]) -> int:
    """The scale a set of variants of one picture is decoded at: the finest any of them needs."""
    return min(_draft_scale(size, _target(v.get("max_side"), v.get("crop"))) for v in variants)


def reduction(size: tuple[int, int], options: Mapping, scale: int) -> int:
    """How many times a variant's picture is box-reduced after a decode at `scale`: its own draft
    scale over the set's (1 for the variant that needs the finest decode, or one prepared alone).
    Part of the variant's cache key when above 1 (its pixels depend on it)."""
    return max(1, _draft_scale(size, _target(options.get("max_side"), options.get("crop"))) // scale)


def _load(data: bytes, scale: int) -> tuple[Image.Image, bool]:
    """The picture decoded (at 1/`scale` for a JPEG), oriented, in a mode the encoders take; and
    whether it is at 1/`scale` (only a JPEG can be decoded scaled)."""
    im = Image.open(io.BytesIO(data))
    scaled = im.format == "JPEG"
    if scaled and scale > 1:
        # Decode at 1/scale in the DCT domain (libjpeg): the fast part of the downscale.
        scaled = im.draft("RGB", (im.width // scale, im.height // scale)) is not None
    try:
        # In place: without an orientation to apply this is a no-op, not a copy of the picture.
        ImageOps.exif_transpose(im, in_place=True)
    except Exception:  # a broken EXIF block must not stop the picture
        im.load()
    if im.mode in ("CMYK", "YCbCr", "LAB", "HSV", "I", "F", "I;16"):
        im = im.convert("RGB")
    elif im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode == "LA":
        im = im.convert("RGBA")
    return im, scaled


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
        # Bicubic, after draft() has done the coarse (1/2^n, DCT-domain) part of the downscale:
        # the factor left is below 2, where Lanczos's wider kernel costs ~40 % more time and
        # shows no visible detail more — SSIM against a full-decode Lanczos reference: bicubic
        # ≥ 0.990 (mean 0.996), Lanczos ≥ 0.991 (0.998) on the sample photos; hamming and
        # bilinear, cheaper still, fell to 0.987 and 0.978 and were not taken
        # (tests/render/test_picture_quality.py guards this). reducing_gap: an integer reduce()
        # first when more than a 2× step is left (no draft: PNG, or a crop).
        return im.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
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
    options = {"max_side": max_side, "max_bytes": max_bytes, "fmt": fmt, "crop": crop, "quality": quality}
    return prepare_many(data, [options])[0]


def prepare_many(data: bytes, variants: Sequence[Mapping]) -> list[PreparedImage]:
    """Prepare several output images of one picture (each a mapping of `prepare`'s keywords),
    decoding it once: at the scale the most demanding variant needs, the others box-reduced from
    that by their own draft scale over it (`reduction`) — what draft() would have given them, up
    to the DCT-domain versus box filter. A 24 MP photo's cover, body and thumb variants: one
    Huffman decode of the file instead of three (the decode was ~80 % of their time)."""
    return _prepare_set(data, variants, None)


def _prepare_set(data: bytes, variants: Sequence[Mapping], scale: int | None,
                 size: tuple[int, int] | None = None) -> list[PreparedImage]:
    """`prepare_many`, or with `scale` given: those of a larger set's variants that are missing
    (decoded at the whole set's scale, so each gets the pixels it would get with the others).
    `size`: the stored size when the caller has already checked the picture (`inspect`)."""
    complete = [_options(**v) for v in variants]
    try:
        size = size or inspect(data)[1:]
        return _prepare_variants(data, size, complete, scale or decode_scale(size, complete))
    except ImageProblem:
        raise
    except Exception:  # Pillow decodes lazily: a truncated file fails here, with many types
        raise _damaged() from None


def _options(*, max_side: int | None = None, max_bytes: int | None = None, fmt: str | None = None,
             crop: tuple[float, float, float, float] | None = None, quality: int = 85) -> dict:
    """A variant's settings with the defaults filled in (a misspelt one is a TypeError)."""
    return {"max_side": max_side, "max_bytes": max_bytes, "fmt": fmt, "crop": crop, "quality": quality}


def _prepare_variants(data: bytes, size: tuple[int, int], variants: list[dict], scale: int) -> list[PreparedImage]:
    """`variants` (complete option dicts) of `data`, a checked picture (`inspect`) of stored size
    `size`, from one decode at 1/`scale`."""
    im, scaled = _load(data, scale)
    reduced: dict[int, Image.Image] = {1: im}
    out = []
    for options in variants:
        # Formats without a scaled decode (PNG…) are resampled from the full picture, as alone.
        factor = reduction(size, options, scale) if scaled else 1
        if factor not in reduced:
            # Always from the decoded picture, never a 2× of a 2×: those differ in rounding, and a
            # variant's bytes must not depend on which others were made with it.
            reduced[factor] = im.reduce(factor)
        out.append(_prepare_one(reduced[factor], **options))
    return out


def _prepare_one(im: Image.Image, max_side, max_bytes, fmt, crop, quality: int) -> PreparedImage:
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
    box (x1, y1, x2, y2) — the format platforms take for cover crops (`pic_crop_235_1`)."""
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
    (preview, check, plan, publish, site rebuilds) do not re-encode.

    Beside them, an index of sources by file identity (device, inode, size, mtime): a picture file
    that has not changed since it was last prepared need not be read or hashed again to find its
    prepared variants (`source_info` / `cached`)."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    @staticmethod
    def _key(source_sha: str, options: Mapping, reduced: int = 1) -> str:
        # `reduced` (see `reduction`) is named only above 1: a variant that is not box-reduced
        # has the bytes it had when each variant was decoded on its own, and keeps its key.
        text = source_sha + repr(sorted(options.items())) + f"/pipeline-{PIPELINE}"
        return hashlib.sha256((text + (f"/reduced-{reduced}" if reduced > 1 else "")).encode()).hexdigest()

    def prepare(self, data: bytes, **options) -> PreparedImage:
        return self.prepare_many(data, [options])[0]

    def prepare_many(self, data: bytes, variants: Sequence[Mapping]) -> list[PreparedImage]:
        """`prepare_many` through the cache: each variant from the cache if it is there; the
        missing ones made from one decode, as they would be made with the others (a variant's
        key names its reduction in the set, so its bytes never depend on what was cached)."""
        if self.folder is None:
            return prepare_many(data, variants)
        source_sha = hashlib.sha256(data).hexdigest()
        size = inspect(data)[1:]
        scale = decode_scale(size, variants)
        keys = [self._key(source_sha, v, reduction(size, v, scale)) for v in variants]
        found = [self._lookup(key) for key in keys]
        missing = [index for index, image in enumerate(found) if image is None]
        if missing:
            made = _prepare_set(data, [variants[index] for index in missing], scale, size)
            for index, result in zip(missing, made, strict=True):
                found[index] = self._store(keys[index], result)
        return found  # type: ignore[return-value]  # every None was filled

    def _store(self, key: str, result: PreparedImage) -> PreparedImage:
        assert self.folder is not None
        result = replace(result, digest=hashlib.sha256(result.data).hexdigest())
        path = self.folder / key[:2] / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several processes (build workers, Celery workers) may prepare the same picture at once:
        # each writes its own temporary file, and every file appears whole or not at all. Beside
        # the meta file (format unchanged: older versions sharing the cache still read it), a
        # `.sha256` file holds the variant's size and digest, so a render that takes the variant
        # from the cache need not hash its bytes again.
        _write_atomic(path, result.data)
        _write_atomic(path.with_suffix(".meta"), f"{result.media_type} {result.width} {result.height}".encode())
        _write_atomic(path.with_suffix(".sha256"), f"{len(result.data)} {result.digest}".encode())
        _RECENT_VARIANTS.put((self.folder, key), result)
        return result

    def cached(self, source_sha: str, **options) -> PreparedImage | None:
        """The prepared image for a source known by its hash, if it is in the cache (as
        `prepare` makes it: one variant on its own)."""
        if self.folder is None:
            return None
        return self._lookup(self._key(source_sha, options))

    def cached_many(self, source_sha: str, size: tuple[int, int], variants: Sequence[Mapping]) -> list[PreparedImage | None]:
        """The variants `prepare_many` makes of a source known by its hash and stored size
        (width and height may be given swapped when no variant has a crop: the scales reckoned
        from them are the same), each None if it is not in the cache."""
        if self.folder is None:
            return [None] * len(variants)
        scale = decode_scale(size, variants)
        return [self._lookup(self._key(source_sha, v, reduction(size, v, scale))) for v in variants]

    def _lookup(self, key: str) -> PreparedImage | None:
        assert self.folder is not None
        found = _RECENT_VARIANTS.get((self.folder, key))
        if found is not None:
            return found
        path = self.folder / key[:2] / key
        try:
            fields = path.with_suffix(".meta").read_text().split()
            if len(fields) not in (3, 5):  # 5: "type w h size sha256", written for a few hours
                return None
            media_type, w, h = fields[:3]
            data = path.read_bytes()
            if len(fields) == 5:  # back to the format every version reads
                _write_atomic(path.with_suffix(".meta"), f"{media_type} {w} {h}".encode())
        except OSError:
            return None
        try:
            size, digest = path.with_suffix(".sha256").read_text().split()
            known = int(size) == len(data) and len(digest) == 64
        except (OSError, ValueError):
            known = False
        if not known:
            # A variant prepared before digests were kept (or whose digest file does not match
            # its size): hash the bytes, and keep the digest for the next render.
            digest = hashlib.sha256(data).hexdigest()
            _write_atomic(path.with_suffix(".sha256"), f"{len(data)} {digest}".encode())
        try:
            found = PreparedImage(data, media_type, int(w), int(h), digest)
        except ValueError:
            return None
        _RECENT_VARIANTS.put((self.folder, key), found)
        return found

    def source(self, path: Path, name: str) -> SourcePicture:
        """What rendering needs to know of a located picture file (`locate_local`): its sha256,
        format and size, checked as `read_checked` + `inspect` check them; raises ImageProblem.

        Known by file identity (`source_identity`): in this process, and across processes in the
        index beside the prepared images, so an unchanged picture is not read, hashed or parsed
        again for each channel and each render. A file changed since is a new identity."""
        info = os.stat(path)
        if info.st_size > MAX_SOURCE_BYTES:
            raise ImageProblem("image-source-too-large", f"图片“{name}”过大（{info.st_size / 1048576:.1f} MB），上限 {MAX_SOURCE_BYTES // 1048576} MB")
        identity = _identity(info)
        known = _SOURCES.get(identity)
        if known is None and self.folder is not None:
            known = self._indexed_source(identity)
        if known is not None:
            sha, fmt, width, height = known
            if width * height > MAX_PIXELS:  # the limit may be lower than when it was recorded
                raise ImageProblem("image-bomb", too_many_pixels(width, height, MAX_PIXELS))
            _remember(identity, known)
            return SourcePicture(path, sha, fmt, width, height)
        with open(path, "rb") as handle:
            before = _identity(os.fstat(handle.fileno()))
            data = handle.read()
            after = _identity(os.fstat(handle.fileno()))
        if len(data) > MAX_SOURCE_BYTES:
            raise ImageProblem("image-source-too-large", f"图片“{name}”过大（{len(data) / 1048576:.1f} MB），上限 {MAX_SOURCE_BYTES // 1048576} MB")
        fmt, width, height = inspect(data)
        known = (hashlib.sha256(data).hexdigest(), fmt, width, height)
        if before == after == identity and _settled(info):
            _remember(identity, known)
            if self.folder is not None:
                target = self._source_path(("source", *identity))
                target.parent.mkdir(parents=True, exist_ok=True)
                _write_atomic(target, " ".join(map(str, known)).encode())
        return SourcePicture(path, *known, data=data)

    def _indexed_source(self, identity: tuple[int, ...]) -> tuple[str, str, int, int] | None:
        try:
            sha, fmt, w, h = self._source_path(("source", *identity)).read_text().split()
            return sha, fmt, int(w), int(h)
        except (OSError, ValueError):
            return None

    def prepare_source(self, source: SourcePicture, **options) -> PreparedImage:
        """`prepare` for a picture known by `source`: see `prepare_source_many`."""
        return self.prepare_source_many(source, [options])[0]

    def prepare_source_many(self, source: SourcePicture, variants: Sequence[Mapping]) -> list[PreparedImage]:
        """`prepare_many` for a picture known by `source`: from the cache without reading the
        file when every variant is there, else from the file's bytes (hashed again: a variant is
        filed under the hash of the bytes it was made from), decoded once for those missing."""
        found = self.cached_many(source.sha256, (source.width, source.height), variants)
        if all(image is not None for image in found):
            return found  # type: ignore[return-value]
        data = source.data if source.data is not None else read_checked(source.path, source.path.name)
        return self.prepare_many(data, variants)

    def _source_path(self, identity: tuple) -> Path:
        assert self.folder is not None
        name = hashlib.sha256(repr(identity).encode()).hexdigest()
        return self.folder / "sources" / name[:2] / name

    def source_info(self, identity: tuple[int, int, int, int]) -> tuple[str, int, int] | None:
        """(sha256, width, height) recorded for the file with this identity, if any."""
        if self.folder is None:
            return None
        try:
            sha, w, h = self._source_path(identity).read_text().split()
            return sha, int(w), int(h)
        except (OSError, ValueError):
            return None

    def remember_source(self, identity: tuple[int, int, int, int], sha: str, width: int, height: int) -> None:
        if self.folder is None:
            return
        path = self._source_path(identity)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, f"{sha} {width} {height}".encode())


@dataclass(frozen=True)
class SourcePicture:
    """A picture file an item references, as `ImageCache.source` found it."""

    path: Path
    sha256: str
    format: str  # Pillow's format name: "JPEG", "PNG", …
    width: int
    height: int
    # The bytes, when they were just read to learn the above (a first render): the variants
    # made next need not read the file again. Not kept anywhere beyond this object.
    data: bytes | None = field(default=None, repr=False, compare=False)


class _RecentVariants:
    """The variants this process took from (or put into) an image cache lately, up to a byte
    budget: an item's accounts of one channel (two accounts of a channel: the same cover, thumb and body
    pictures), and a picture many items share, are read from disk once. A variant's key is its
    source's content hash and the settings, so what is kept can never be stale."""

    def __init__(self, budget: int = 48 * 1024 * 1024):
        self.budget, self.used = budget, 0
        self.entries: OrderedDict[tuple, PreparedImage] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> PreparedImage | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, image: PreparedImage) -> None:
        if len(image.data) > self.budget // 8:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.used -= len(old.data)
            self.entries[key] = image
            self.used += len(image.data)
            while self.used > self.budget:
                _, dropped = self.entries.popitem(last=False)
                self.used -= len(dropped.data)


_RECENT_VARIANTS = _RecentVariants()

# Sources met in this process, by file identity: (sha256, format, width, height).
_SOURCES: dict[tuple[int, ...], tuple[str, str, int, int]] = {}
# A file whose last change is this recent is not remembered by identity: a second write within
# the file system's timestamp granularity could keep size and times (git's "racy clean" case).
_SETTLE_NS = 2_000_000_000


def _identity(info: os.stat_result) -> tuple[int, int, int, int, int]:
    """(device, inode, size, mtime ns, ctime ns): a write changes size or mtime, and always
    ctime, which no tool can set back (a restored mtime after an edit still changes ctime)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _settled(info: os.stat_result) -> bool:
    return time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) > _SETTLE_NS


def _remember(identity: tuple[int, ...], known: tuple[str, str, int, int]) -> None:
    if len(_SOURCES) >= 65536:
        _SOURCES.clear()
    _SOURCES[identity] = known


def file_identity(path: Path) -> tuple[int, int, int, int]:
    """(device, inode, size, mtime in ns): changes whenever the file's bytes may have changed."""
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
