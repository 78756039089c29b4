"""Regenerate the sample content's images: `python content/_tools/make_images.py`.

The images are committed; this script only documents how they were made and lets anyone
rebuild them. Everything is drawn from a seeded RNG, so the pixels are reproducible (the
encoded bytes can differ between libjpeg builds, which is why the files themselves are kept).

Special files that tests rely on:

- `items/2026/10/data-work-meeting/photo-gps.jpg`: EXIF Orientation = 6 (stored rotated; shows
  upright as a portrait after `exif_transpose`) and a GPS IFD with latitude/longitude, camera
  make/model and a capture time, so renderers can prove they strip location data.
- `items/2026/11/security-training/training-cmyk.jpg`: a CMYK JPEG.
- `items/2026/11/q3-statistics/share-chart.png`: an RGBA PNG with a transparent background.
- `items/2027/03/data-week-notice/data-week-poster.png`: an opaque RGB PNG (screenshot-like).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

ITEMS = Path(__file__).resolve().parent.parent / "items"


@dataclass(frozen=True)
class Palette:
    sky_top: tuple[int, int, int]
    sky_horizon: tuple[int, int, int]
    ground: tuple[int, int, int]
    accent: tuple[int, int, int]


DAY = Palette((70, 130, 200), (200, 220, 235), (95, 110, 80), (240, 200, 120))
DUSK = Palette((40, 50, 110), (235, 150, 100), (60, 60, 70), (255, 210, 150))
HALL = Palette((120, 30, 35), (190, 70, 60), (110, 85, 70), (250, 235, 200))
PARK = Palette((110, 170, 220), (225, 235, 240), (70, 120, 60), (250, 250, 235))


def _gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size, Image.Resampling.BICUBIC)
    return ImageOps.colorize(ramp, top, bottom)


def _grain(size: tuple[int, int], rng: random.Random, strength: int) -> Image.Image:
    """Sensor-like noise: low-frequency blotches plus fine grain, centred on mid-grey."""
    w, h = size
    coarse = Image.frombytes("L", (w // 8 + 1, h // 8 + 1), rng.randbytes((w // 8 + 1) * (h // 8 + 1)))
    coarse = coarse.resize(size, Image.Resampling.BICUBIC)
    fine = Image.frombytes("L", (w // 2 + 1, h // 2 + 1), rng.randbytes((w // 2 + 1) * (h // 2 + 1)))
    fine = fine.resize(size, Image.Resampling.BILINEAR)
    noise = Image.blend(coarse, fine, 0.5)
    return noise.point(lambda v: 128 + (v - 128) * strength // 128).convert("RGB")


def _skyline(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, horizon: int, p: Palette) -> None:
    x = -rng.randint(0, w // 20)
    while x < w:
        bw = rng.randint(w // 30, w // 10)
        bh = rng.randint(horizon // 6, int(horizon * 0.75))
        shade = rng.randint(-25, 25)
        body = tuple(max(0, min(255, c + shade)) for c in (70, 80, 95))
        draw.rectangle([x, horizon - bh, x + bw, horizon], fill=body)
        step_x, step_y = max(6, bw // 7), max(8, bh // 14)
        for wx in range(x + step_x // 2, x + bw - step_x // 2, step_x):
            for wy in range(horizon - bh + step_y, horizon - step_y, step_y):
                if rng.random() < 0.55:
                    draw.rectangle([wx, wy, wx + step_x // 2, wy + step_y // 2], fill=p.accent)
        x += bw + rng.randint(0, w // 60)


def _hall(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, p: Palette) -> None:
    """A meeting hall: a stage, a long table and rows of heads seen from behind."""
    draw.rectangle([w // 8, h // 8, w * 7 // 8, h // 2], fill=(150, 40, 40))
    draw.rectangle([w // 6, h * 2 // 5, w * 5 // 6, h // 2], fill=(235, 230, 215))
    for row in range(4):
        y = h // 2 + (row + 1) * h // 10
        r = h // 30 + row * h // 120
        for col in range(14):
            cx = int((col + 0.5 + rng.uniform(-0.2, 0.2)) * w / 14)
            tone = rng.randint(15, 45)
            draw.ellipse([cx - r, y - r, cx + r, y + r], fill=(tone, tone, tone + 5))
            draw.rectangle([cx - 2 * r, y + r, cx + 2 * r, y + 4 * r], fill=(30 + tone, 35 + tone, 55 + tone))


def _trees(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, horizon: int) -> None:
    for _ in range(18):
        cx = rng.randint(0, w)
        base = rng.randint(horizon, h)
        r = int((base - horizon + h // 10) * 0.25)
        green = (rng.randint(30, 70), rng.randint(90, 140), rng.randint(30, 70))
        draw.rectangle([cx - r // 8, base - r, cx + r // 8, base], fill=(80, 60, 40))
        draw.ellipse([cx - r, base - 2 * r, cx + r, base - r // 2], fill=green)


def photo(size: tuple[int, int], seed: int, scene: str = "city", palette: Palette = DAY) -> Image.Image:
    """A photo-like RGB picture: gradients, shapes, a soft lens blur and grain."""
    rng = random.Random(seed)
    w, h = size
    horizon = int(h * rng.uniform(0.55, 0.68))
    image = _gradient((w, horizon), palette.sky_top, palette.sky_horizon)
    canvas = Image.new("RGB", size)
    canvas.paste(image, (0, 0))
    canvas.paste(_gradient((w, h - horizon), palette.ground, (30, 30, 30)), (0, horizon))
    draw = ImageDraw.Draw(canvas)
    sun = rng.randint(w // 10, w * 9 // 10), rng.randint(h // 12, horizon // 2)
    r = h // 14
    draw.ellipse([sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r], fill=palette.accent)
    if scene == "hall":
        _hall(draw, rng, w, h, palette)
    elif scene == "park":
        _trees(draw, rng, w, h, horizon)
    else:
        _skyline(draw, rng, w, horizon, palette)
        draw.rectangle([0, horizon, w, horizon + h // 40], fill=(90, 90, 95))
    canvas = canvas.filter(ImageFilter.GaussianBlur(max(1, w // 900)))
    # Vignette: darker corners, as with a real lens.
    mask = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    canvas = Image.composite(ImageOps.colorize(Image.new("L", size, 0), "black", "black"), canvas,
                             mask.point(lambda v: max(0, v - 140)))
    return ImageChops.overlay(canvas, _grain(size, rng, 40))


def bar_chart(size: tuple[int, int], values: list[int]) -> Image.Image:
    """A transparent-background bar chart (RGBA), like an infographic exported for the web."""
    w, h = size
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    left, bottom, top = w // 10, h * 9 // 10, h // 10
    draw.line([left, top, left, bottom, w - w // 20, bottom], fill=(60, 60, 60, 255), width=4)
    peak = max(values)
    slot = (w - left - w // 20) // len(values)
    for index, value in enumerate(values):
        x0 = left + index * slot + slot // 5
        y0 = bottom - (bottom - top) * value // peak
        colour = (32, 96, 180, 230) if index % 2 == 0 else (230, 120, 40, 230)
        draw.rounded_rectangle([x0, y0, x0 + slot * 3 // 5, bottom - 2], radius=8, fill=colour)
    for y in range(top, bottom, (bottom - top) // 5):
        draw.line([left, y, w - w // 20, y], fill=(120, 120, 120, 90), width=1)
    return image


def screen(size: tuple[int, int], seed: int) -> Image.Image:
    """An opaque screenshot-like PNG: a web page with header, cards and a banner."""
    rng = random.Random(seed)
    w, h = size
    image = Image.new("RGB", size, (244, 246, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, w, h // 10], fill=(25, 80, 160))
    draw.rectangle([w // 20, h // 7, w - w // 20, h * 3 // 7], fill=(40, 120, 200))
    draw.ellipse([w * 3 // 5, h // 6, w * 4 // 5, h * 2 // 5], fill=(250, 200, 80))
    for col in range(4):
        x0 = w // 20 + col * (w * 9 // 40 + w // 80)
        draw.rounded_rectangle([x0, h // 2, x0 + w * 9 // 40, h * 9 // 10], radius=12, fill="white",
                               outline=(210, 215, 225), width=2)
        for line in range(5):
            y = h // 2 + h // 14 + line * h // 24
            draw.rectangle([x0 + 20, y, x0 + 20 + rng.randint(w // 12, w // 6), y + h // 80],
                           fill=(190, 195, 205))
    return image


def _png(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", optimize=True)


def _jpeg(image: Image.Image, path: Path, quality: int = 82, **extra) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality, optimize=True, progressive=False, **extra)


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SandboxCam"  # Make
    exif[0x0110] = "SC-1 Demo"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x0132] = "2026:10:16 09:12:40"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (30.0, 15.0, 36.5)  # GPSLatitude: 30°15'36.5"
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (120.0, 9.0, 54.2)  # GPSLongitude: 120°9'54.2"
    gps[5] = 0  # GPSAltitudeRef: above sea level
    gps[6] = 12.5  # GPSAltitude (m)
    return exif


def build() -> None:
    d = ITEMS
    _jpeg(photo((1600, 1067), 11, "park", PARK), d / "2026/09/survey-launch/survey-team.jpg")
    _jpeg(photo((3000, 2000), 21, "hall", HALL), d / "2026/10/data-work-meeting/meeting-hall.jpg", 78)
    upright = photo((1500, 2000), 22, "city", DAY)
    _jpeg(upright.transpose(Image.Transpose.ROTATE_90),
          d / "2026/10/data-work-meeting/photo-gps.jpg", 80, exif=gps_exif().tobytes())
    _jpeg(photo((1600, 900), 31, "city", DUSK), d / "2026/10/authorized-operation-explainer/cover.jpg")
    _jpeg(photo((1600, 1067), 41, "park", PARK), d / "2026/11/data-steward-feature/street-morning.jpg")
    _jpeg(photo((1080, 1440), 42, "city", DAY), d / "2026/11/data-steward-feature/service-desk.jpg")
    _jpeg(photo((1600, 1067), 43, "city", DUSK), d / "2026/11/data-steward-feature/evening-patrol.jpg")
    _jpeg(photo((1600, 1067), 51, "hall", HALL).convert("CMYK"),
          d / "2026/11/security-training/training-cmyk.jpg")
    _jpeg(photo((1920, 1080), 61, "city", DAY), d / "2026/11/open-data-contest/contest-cover.jpg")
    _png(bar_chart((1200, 800), [42, 55, 61, 70, 78, 86]), d / "2026/11/q3-statistics/share-chart.png")
    _jpeg(photo((1600, 1067), 81, "city", DAY), d / "2027/01/work-priorities-2027/cover.jpg")
    _png(screen((1440, 900), 91), d / "2027/03/data-week-notice/data-week-poster.png")
    _jpeg(photo((2400, 1600), 101, "city", DUSK), d / "2027/06/smart-city-forum/forum-venue.jpg")
    _jpeg(photo((1600, 1067), 111, "park", PARK), d / "2028/09/open-data-review/cover.jpg")
    _jpeg(photo((1600, 1067), 112, "city", DAY), d / "2028/09/open-data-review/data-lab.jpg")
    _jpeg(photo((1600, 1067), 121, "hall", HALL), d / "2026/11/director-interview/interview.jpg")


if __name__ == "__main__":
    build()
