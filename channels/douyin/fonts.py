"""The CJK font captions are drawn with: Noto Sans CJK SC, found where the system installs it.

scripts/system-deps.sh installs `fonts-noto-cjk`; Debian puts it under /usr/share/fonts, other
systems elsewhere, so the search goes through the usual font folders (and matplotlib's list of
system fonts, a dependency already) instead of one hard-coded path. A `.ttc` holds several faces
(JP, KR, SC, TC, HK): the Simplified Chinese one is picked by name, since glyph shapes differ.
An account may name its own file (`font_path`).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from PIL import ImageFont

_FOLDERS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/fonts/opentype/noto",
    "/System/Library/Fonts",
    "/Library/Fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
)
# Preferred files, best first: sans for legibility on a phone; bold for titles when there.
_REGULAR = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf",
            "NotoSansCJK-Medium.ttc", "wqy-microhei.ttc", "wqy-zenhei.ttc")
_BOLD = ("NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf",
         "NotoSansCJK-Black.ttc") + _REGULAR


class FontMissing(RuntimeError):
    """No CJK font on this machine; the message tells the operator what to install."""


def _candidates() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in _FOLDERS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttc", ".otf", ".ttf"):
                found.setdefault(path.name, path)
    if not found:
        try:
            from matplotlib import font_manager

            for name in sorted(font_manager.findSystemFonts()):
                found.setdefault(Path(name).name, Path(name))
        except Exception:  # matplotlib's font scan is a fallback only
            pass
    return found


@cache
def font_file(bold: bool = False, override: str | None = None) -> tuple[str, int]:
    """(path, face index) of the Simplified Chinese face to draw with."""
    if override:
        path = Path(override)
        if not path.is_file():
            raise FontMissing(f"账号设置的字体文件不存在：{override}")
        return str(path), _sc_index(path)
    files = _candidates()
    for name in _BOLD if bold else _REGULAR:
        if name in files:
            return str(files[name]), _sc_index(files[name])
    raise FontMissing(
        "找不到中文字体，无法生成抖音视频字幕：请安装 fonts-noto-cjk（运行 make system-deps），"
        "或在账号设置中用 font_path 指定字体文件"
    )


def _sc_index(path: Path) -> int:
    if path.suffix.lower() != ".ttc":
        return 0
    for index in range(12):
        try:
            family, _ = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@cache
def font(size: int, bold: bool = False, override: str | None = None) -> ImageFont.FreeTypeFont:
    path, index = font_file(bold, override)
    return ImageFont.truetype(path, size, index=index)


def font_identity(override: str | None = None) -> str:
    """Part of the video cache key: another font file draws other pixels."""
    parts = []
    for bold in (False, True):
        path, index = font_file(bold, override)
        stat = os.stat(path)
        parts.append(f"{Path(path).name}:{index}:{stat.st_size}")
    return "|".join(parts)
