"""How large a picture may be, and how editors are told when one is larger.

Camera originals are ordinary input: a full-frame camera writes 24–61 MP, medium format and
phone "high resolution" modes 100–200 MP (a 200 MP phone sensor is 16320×12240). Every channel
downscales them (JPEGs are decoded at 1/2–1/8 scale through libjpeg's draft mode, so even those
cost little memory). The guard is against files whose *decoded* size is absurd — a few kilobytes
of compressed data that would expand into gigabytes (a “decompression bomb”) — so it sits well
above any camera: 200 million pixels by default (`[checks] image_max_pixels`).
"""

from __future__ import annotations

import io
from pathlib import Path

# 2 亿像素: every camera and phone original fits (16320×12240 = 199.8 MP).
DEFAULT_MAX_PIXELS = 200_000_000
# A camera JPEG is 5–60 MB (a 100 MP medium-format file is about 40–60 MB).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def megapixels_text(pixels: int) -> str:
    """“2 亿像素”, “5000 万像素” — the words an editor reads on a camera's box."""
    if pixels >= 100_000_000:
        value = pixels / 100_000_000
        return f"{value:.1f}".rstrip("0").rstrip(".") + " 亿像素"
    return f"{round(pixels / 10_000)} 万像素"


def too_many_pixels(width: int | None, height: int | None, limit: int) -> str:
    """The editor's sentence for a picture over the pixel limit, with the fix."""
    pixels = width * height if width and height else None
    size = f"{width}×{height} 像素，约 {megapixels_text(pixels)}" if pixels else "像素数无法读取"
    if pixels is None or pixels > DEFAULT_MAX_PIXELS:
        why = "，远超相机原图的尺寸，可能已损坏或被恶意构造（“解压炸弹”），为安全起见不予处理。"
    else:
        why = "（上限由本单位在 publisher.toml 的 [checks] image_max_pixels 中设定）。"
    return (
        f"图片尺寸过大（{size}），超过上限 {megapixels_text(limit)}{why}"
        "请用看图或修图软件把图片缩小（例如长边 6000 像素）后另存，再放入条目文件夹"
    )


def header_size(source: bytes | Path) -> tuple[int, int] | None:
    """Width and height from a picture's header, even where `Image.open` refuses it as a bomb:
    each format's reader parses its header without decoding anything."""
    from PIL import Image

    Image.init()
    opened = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    with opened as handle:
        prefix = handle.read(16)
        for fmt in Image.ID:
            factory, accept = Image.OPEN[fmt]
            if accept is not None and not accept(prefix):
                continue
            handle.seek(0)
            try:
                with factory(handle, "") as image:
                    return image.size
            except Exception:  # not this format: try the next reader
                continue
    return None
