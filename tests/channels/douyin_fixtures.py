"""A small content repo with one 抖音 account and one item, for the Douyin tests and the bench.

Pictures are real JPEGs with structure (gradients and shapes), music a real WAV made here; the
video settings default to short and light (6 fps, 1 s a caption) so a render takes a second.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from PIL import Image, ImageDraw

from channels.base import RenderContext
from channels.douyin import DouyinChannel
from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix
from publisher.content.model import ContentItem

FAST = {"fps": 6, "seconds_per_caption": 1.0, "title_seconds": 1.0, "closing_seconds": 1.0}

BODY = """第三届滨江开放数据创新应用大赛今天启动报名。本届大赛以“数据赋能、智惠民生”为主题。

大赛面向高校、企业、社会组织和个人开发者征集作品，设置三个赛道。

报名时间为即日起至 12 月 31 日。

## 赛程安排

初赛作品提交截至明年 3 月 15 日。
"""


def picture(index: int, size: tuple[int, int] = (1200, 800)) -> bytes:
    """A JPEG that differs from its neighbours: a hue per index, bands and a circle."""
    hue = (index * 67) % 256
    im = Image.new("RGB", size, ((hue * 3) % 256, (hue * 5 + 80) % 256, (hue * 7 + 160) % 256))
    draw = ImageDraw.Draw(im)
    for band in range(0, size[0], 80):
        draw.rectangle((band, 0, band + 30, size[1]), fill=((hue + band) % 256, 120, 200 - hue % 100))
    draw.ellipse((size[0] // 3, size[1] // 4, size[0] // 3 + 300, size[1] // 4 + 300), fill=(250, 240, 60))
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def sine_wav(seconds: float = 1.5, frequency: float = 440.0, rate: int = 22_050) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * n / rate)))
            for n in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def _toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def make_repo(root: Path, *, pictures: int = 2, script: list[str] | None = None, options: dict | None = None,
              music: bool = False, logo: bool = False, tags: list[str] | None = None, title: str | None = None,
              douyin_title: str | None = None, body: str = BODY, target_extra: list[str] | None = None,
              item_files: dict[str, bytes] | None = None) -> Path:
    """Write publisher.toml + items/2026/11/contest/index.md; return the item's index.md."""
    opts = {**FAST, **(options or {})}
    if music:
        (root / "media").mkdir(parents=True, exist_ok=True)
        (root / "media" / "theme.wav").write_bytes(sine_wav())
        opts["music"] = "media/theme.wav"
    if logo:
        (root / "media").mkdir(parents=True, exist_ok=True)
        (root / "media" / "logo.png").write_bytes(picture(99, (200, 200)))
        opts["logo"] = "media/logo.png"
    option_lines = "\n".join(f"{k} = {_toml_value(v)}" for k, v in opts.items())
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text(
        '[site]\ntitle = "滨江市数据管理局"\nbase_url = "http://127.0.0.1:8000"\n\n'
        '[[accounts]]\nid = "bj-douyin"\nname = "滨江数据"\nchannel = "douyin"\ndefault = false\n'
        f"[accounts.options]\n{option_lines}\n",
        encoding="utf-8",
    )
    folder = root / "items" / "2026" / "11" / "contest"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(pictures):
        name = f"photo-{i + 1}.jpg"
        (folder / name).write_bytes(picture(i))
        names.append(name)
    target_lines = ["targets:", "  douyin:", "    accounts: [bj-douyin]"]
    if douyin_title:
        target_lines.append(f"    title: {douyin_title}")
    target_lines += [f"    {line}" for line in target_extra or []]
    for name, data in (item_files or {}).items():
        (folder / name).write_bytes(data)
    if script is not None:
        target_lines.append("    text: |")
        target_lines += [f"      {line}" for line in script]
    front = [
        "---",
        f"title: {title or '第三届滨江开放数据创新应用大赛启动报名'}",
        "author: 市数据管理局",
        "department: 数据资源处",
        "publish_at: 2026-11-20 09:00",
        f"tags: [{', '.join(tags if tags is not None else ['开放数据', '创新大赛'])}]",
    ]
    if names:
        front.append(f"cover: {names[0]}")
    front += target_lines + ["---", ""]
    text = body + "".join(f"\n![图{i}]({name})\n" for i, name in enumerate(names[1:], start=2))
    index = folder / "index.md"
    index.write_text("\n".join(front) + text, encoding="utf-8")
    return index


def load(root: Path) -> tuple[ContentItem, DouyinChannel]:
    matrix = load_matrix(root)
    item, findings = load_item(root / "items" / "2026" / "11" / "contest" / "index.md", root, matrix)
    assert item is not None, [str(f) for f in findings]
    account = matrix.account("bj-douyin")
    return item, DouyinChannel(account, RenderContext(matrix=matrix))


def decode(data: bytes):
    """(video stream facts, [(time, RGB image)], audio samples as float list) of an MP4."""
    import av
    import numpy as np

    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        facts = {
            "codec": video.codec_context.name,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "pix_fmt": video.codec_context.pix_fmt,
            "duration": float(container.duration) / 1_000_000,
            "audio": [s.codec_context.name for s in container.streams.audio],
            "audio_rate": [s.codec_context.sample_rate for s in container.streams.audio],
        }
        frames = [(float(f.time), f.to_image()) for f in container.decode(video=0)]
    with av.open(io.BytesIO(data)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    audio = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0))
    return facts, frames, audio
