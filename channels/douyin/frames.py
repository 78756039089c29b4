"""The pictures of the video, drawn with Pillow: title card, picture scenes with a slow pan/zoom
and a burned-in caption, the account's closing card.

Everything here is pure arithmetic on the inputs (no clock, no randomness), so the same
storyboard draws the same pixels. A scene's picture is fitted once to a canvas a little larger
than the frame; each frame is one `resize(box=…)` of a moving window out of it (crop and scale in
one pass), and the caption is a pre-drawn overlay composited on top: two image operations a frame.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from channels.douyin.fonts import font

WIDTH, HEIGHT = 1080, 1920
ZOOM = 1.12  # how far the slow zoom goes over one scene
BACKGROUND = (24, 32, 48)
ACCENT = (200, 30, 40)  # 政务红, for the title card's rule and the closing card
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Canvas:
    image: Image.Image  # RGB, at least ZOOM × the frame in both directions
    direction: int  # which way this scene pans: 0..3


def _wrap(draw: ImageDraw.ImageDraw, text: str, face, width: int) -> list[str]:
    """Lines that fit `width` pixels; CJK text breaks between any two characters."""
    lines: list[str] = []
    current = ""
    for char in text:
        if draw.textlength(current + char, font=face) <= width:
            current += char
            continue
        if current:
            lines.append(current)
        current = char.lstrip()
    if current:
        lines.append(current)
    return lines


def _decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            flat = Image.new("RGB", im.size, WHITE)
            flat.paste(im, mask=im.getchannel("A"))
            return flat
        return im.convert("RGB")


def picture_canvas(data: bytes, index: int) -> Canvas:
    """The picture filling a 9:16 canvas ZOOM× the frame: a landscape photo sits on a blurred,
    darkened copy of itself rather than being cropped to a sliver."""
    im = _decode(data)
    cw, ch = round(WIDTH * ZOOM), round(HEIGHT * ZOOM)
    ratio = im.width / im.height
    if ratio > 0.75:  # wider than 3:4: show it whole over a blurred backdrop
        backdrop = ImageOps.fit(im, (cw // 8, ch // 8), Image.Resampling.BILINEAR)
        backdrop = backdrop.filter(ImageFilter.GaussianBlur(6)).resize((cw, ch), Image.Resampling.BILINEAR)
        backdrop = Image.blend(backdrop, Image.new("RGB", (cw, ch), BACKGROUND), 0.45)
        fitted = ImageOps.contain(im, (cw, round(ch * 0.62)), Image.Resampling.BICUBIC)
        backdrop.paste(fitted, ((cw - fitted.width) // 2, round(ch * 0.36) - fitted.height // 2))
        return Canvas(backdrop, index % 4)
    return Canvas(ImageOps.fit(im, (cw, ch), Image.Resampling.BICUBIC), index % 4)


def pan_window(canvas: Canvas, progress: float) -> tuple[int, int, int, int]:
    """The canvas window (x0, y0, x1, y1) shown at `progress` (0..1) through the scene: zooming
    in (or out) while drifting. Whole pixels, so the crop is a view and one swscale pass turns
    it into the frame; the sub-pixel jitter this costs is invisible at this zoom speed."""
    cw, ch = canvas.image.size
    zoom_in = canvas.direction % 2 == 0
    scale = (1 / ZOOM) * (1 + (ZOOM - 1) * (1 - progress if zoom_in else progress))
    scale = min(1.0, max(1 / ZOOM, scale))  # window size, as a share of the canvas
    w, h = round(cw * scale), round(ch * scale)
    drift = progress if canvas.direction < 2 else 1 - progress
    x = round((cw - w) * drift)
    y = round((ch - h) * (0.5 + 0.3 * (drift - 0.5)))
    return x, y, x + w, y + h


def pan_zoom(canvas: Canvas, progress: float) -> Image.Image:
    """The same frame drawn by Pillow (previews, tests); the encoder uses `pan_window`."""
    return canvas.image.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR, box=pan_window(canvas, progress))


def caption_overlay(text: str) -> Image.Image | None:
    """White caption on a dark translucent band in the lower third; None for no caption."""
    if not text:
        return None
    face = font(60)
    overlay = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    lines = _wrap(draw, text, face, WIDTH - 160)[:4]
    line_h = 84
    top = round(HEIGHT * 0.70) - (len(lines) * line_h) // 2
    draw.rounded_rectangle((48, top - 36, WIDTH - 48, top + len(lines) * line_h + 28), 28, fill=(0, 0, 0, 150))
    for i, line in enumerate(lines):
        draw.text((WIDTH // 2, top + i * line_h), line, font=face, fill=WHITE, anchor="ma")
    return overlay


def with_caption(frame: Image.Image, overlay: Image.Image | None) -> Image.Image:
    if overlay is None:
        return frame
    out = frame.convert("RGBA")
    out.alpha_composite(overlay)
    return out.convert("RGB")


def title_card(title: str, account_name: str, date_text: str, cover: bytes | None) -> Image.Image:
    if cover is not None:
        base = ImageOps.fit(_decode(cover), (WIDTH // 8, HEIGHT // 8), Image.Resampling.BILINEAR)
        base = base.filter(ImageFilter.GaussianBlur(4)).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
        image = Image.blend(base, Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND), 0.6)
    else:
        image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    face = font(84, bold=True)
    lines = _wrap(draw, title, face, WIDTH - 180)[:5]
    top = HEIGHT // 2 - len(lines) * 120 // 2
    draw.rectangle((90, top - 70, 250, top - 56), fill=ACCENT)
    for i, line in enumerate(lines):
        draw.text((90, top + i * 120), line, font=face, fill=WHITE)
    small = font(44)
    bottom = top + len(lines) * 120 + 40
    draw.text((90, bottom), account_name, font=small, fill=(230, 230, 230))
    draw.text((90, bottom + 64), date_text, font=small, fill=(200, 200, 200))
    return image


def closing_card(account_name: str, logo: bytes | None) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), ACCENT)
    draw = ImageDraw.Draw(image)
    centre = HEIGHT // 2 - 120
    if logo is not None:
        mark = ImageOps.contain(_decode(logo), (360, 360), Image.Resampling.BICUBIC)
        plate = Image.new("RGB", (mark.width + 48, mark.height + 48), WHITE)
        plate.paste(mark, (24, 24))
        image.paste(plate, ((WIDTH - plate.width) // 2, centre - plate.height))
    else:
        draw.ellipse((WIDTH // 2 - 150, centre - 300, WIDTH // 2 + 150, centre), fill=WHITE)
        draw.text((WIDTH // 2, centre - 150), account_name[:1], font=font(180, bold=True), fill=ACCENT, anchor="mm")
    draw.text((WIDTH // 2, centre + 80), account_name, font=font(72, bold=True), fill=WHITE, anchor="ma")
    draw.text((WIDTH // 2, centre + 200), "感谢收看 · 欢迎关注", font=font(48), fill=(255, 230, 230), anchor="ma")
    return image
