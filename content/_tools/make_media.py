"""Regenerate the sample matrix's account media: `python content/_tools/make_media.py`.

- `_media/music/qingkuai.m4a`: an 8-second gentle arpeggio (sine tones with soft attack and
  decay, C major), AAC 96 kb/s stereo, the 抖音 account's background music (it loops).
- `_media/logo-bjdata.png`: the 滨江数据 emblem on the 抖音 closing card.

Both are committed (the encoded bytes can differ between FFmpeg builds); this script documents how
they were made. Made with PyAV and Pillow, both project dependencies.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
RATE = 44_100
NOTES = [261.63, 329.63, 392.00, 523.25, 392.00, 329.63, 293.66, 349.23, 440.00, 587.33, 440.00, 349.23,
         261.63, 329.63, 392.00, 523.25]  # C E G C' G E | D F A D' A F | C E G C'


def tune(seconds: float = 8.0) -> np.ndarray:
    total = int(seconds * RATE)
    out = np.zeros(total, np.float32)
    step = total // len(NOTES)
    t = np.arange(step * 3) / RATE
    envelope = np.minimum(1.0, t / 0.02) * np.exp(-t * 2.2)
    for i, freq in enumerate(NOTES):
        tone = (np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)) * envelope * 0.22
        start = i * step
        end = min(total, start + len(tone))
        out[start:end] += tone[: end - start].astype(np.float32)
    return np.clip(out, -1, 1)


def write_music(path: Path) -> None:
    samples = tune()
    stereo = np.stack([samples, samples * 0.92]).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w", format="ipod") as container:
        stream = container.add_stream("aac", rate=RATE, layout="stereo")
        stream.bit_rate = 96_000
        for start in range(0, stereo.shape[1], 1024):
            chunk = np.ascontiguousarray(stereo[:, start:start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def write_logo(path: Path) -> None:
    size = 360
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, size - 20, size - 20), fill=(200, 30, 40))
    for i, h in enumerate((90, 150, 210, 130)):  # a small bar chart: data
        x = 92 + i * 46
        draw.rectangle((x, 270 - h, x + 30, 270), fill=(255, 255, 255))
    draw.line((80, 275, 280, 275), fill=(255, 255, 255), width=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", optimize=True)


if __name__ == "__main__":
    write_music(ROOT / "_media" / "music" / "qingkuai.m4a")
    write_logo(ROOT / "_media" / "logo-bjdata.png")
    print("written: _media/music/qingkuai.m4a, _media/logo-bjdata.png")
