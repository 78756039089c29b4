"""Prepared pictures stay visually equivalent to a high-quality resize: a guard on speed-ups.

`prepare` takes shortcuts for speed (a DCT-domain `draft()` decode at 1/2–1/8 scale, then a
bicubic pass). Each picture here is compared, by SSIM (bench/ssim.py), with the best this
picture can look at that size: the full-size decode, orientation applied, a Lanczos resize.

- Pixels (`fmt="PNG"`, so no JPEG loss hides a resampling change): every variant ≥ 0.988 and
  their mean ≥ 0.994. Measured (issue 17): Lanczos after draft (pipeline 1) min 0.991, mean 0.998;
  bicubic (pipeline 2) min 0.990, mean 0.996; hamming min 0.987, mean 0.992; bilinear min 0.978;
  nearest 0.92–0.98 — so a switch to a cheaper filter, or a draft one scale too coarse, fails here.
- JPEG at quality 82: within 0.01 of what the same encoder makes of the reference itself (the
  encoder's own loss is the ceiling; measured deficits ≤ 0.008).

Real photos from the sample content (3000×2000, 2400×1600, an EXIF-rotated one, a CMYK one) and a
24 MP camera-size photo made from one of them, at the bench's sizes (1600, 960, 480).
"""

from __future__ import annotations

import hashlib
import io
import statistics

import pytest
from PIL import Image, ImageOps

from bench.ssim import ssim
from publisher.render import images
from publisher.render.images import prepare, prepare_many
from tests.channels.render_fixtures import REPO

ITEMS = REPO / "content" / "items"
PHOTOS = {
    "meeting-hall": ITEMS / "2026/10/data-work-meeting/meeting-hall.jpg",
    "photo-gps (EXIF orientation 6)": ITEMS / "2026/10/data-work-meeting/photo-gps.jpg",
    "forum-venue": ITEMS / "2027/06/smart-city-forum/forum-venue.jpg",
    "contest-cover": ITEMS / "2026/11/open-data-contest/contest-cover.jpg",
    "training-cmyk": ITEMS / "2026/11/security-training/training-cmyk.jpg",
}
SIDES = (1600, 960, 480)


def _camera_size(path) -> bytes:
    """A 6000×4000 JPEG (quality 90) of a real photo: the draft() path at 1/2, 1/4 and 1/8."""
    with Image.open(path) as im:
        big = im.convert("RGB").resize((6000, 4000), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    return out.getvalue()


def _size(size: tuple[int, int], side: int) -> tuple[int, int]:
    scale = side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


@pytest.fixture(scope="module")
def variants() -> list[tuple[str, bytes, int, Image.Image]]:
    """(name, source bytes, side, reference picture) for every photo and size it is larger than."""
    sources = {name: path.read_bytes() for name, path in PHOTOS.items()}
    sources["24 MP from street-morning"] = _camera_size(ITEMS / "2026/11/data-steward-feature/street-morning.jpg")
    out = []
    for name, data in sources.items():
        with Image.open(io.BytesIO(data)) as im:
            full = ImageOps.exif_transpose(im).convert("RGB")
        for side in SIDES:
            if max(full.size) > side:
                out.append((name, data, side, full.resize(_size(full.size, side), Image.Resampling.LANCZOS)))
    assert len(out) >= 15
    return out


def test_prepared_pixels_match_a_full_decode_lanczos_resize(variants):
    scores = {}
    for name, data, side, reference in variants:
        prepared = prepare(data, max_side=side, fmt="PNG")
        with Image.open(io.BytesIO(prepared.data)) as im:
            assert im.size == reference.size, (name, side, im.size, reference.size)
            scores[f"{name} {side}"] = ssim(im, reference)
    table = "\n".join(f"{k}: {v:.4f}" for k, v in scores.items())
    assert min(scores.values()) >= 0.988, table
    assert statistics.mean(scores.values()) >= 0.994, table


def test_variants_made_together_match_the_reference_and_those_made_alone(variants):
    """`prepare_many` decodes once, at the scale the largest variant needs, and box-reduces that
    for the smaller ones instead of decoding each at its own draft() scale. Against the same
    full-decode Lanczos reference they must pass the bar above, and against `prepare` of each
    alone (the pipeline before issue 17's shared decode) be ≥ 0.98 as JPEG (measured: pixels
    ≥ 0.997, JPEG at quality 82 ≥ 0.986 — two encodings of near-identical pixels)."""
    by_source: dict[bytes, list[tuple[str, int, Image.Image]]] = {}
    for name, data, side, reference in variants:
        by_source.setdefault(data, []).append((name, side, reference))
    pixels, jpegs = {}, {}
    for data, wanted in by_source.items():
        together = prepare_many(data, [{"max_side": side, "fmt": "PNG"} for _, side, _ in wanted])
        encoded = prepare_many(data, [{"max_side": side, "quality": 82} for _, side, _ in wanted])
        for (name, side, reference), made, jpeg in zip(wanted, together, encoded, strict=True):
            alone = prepare(data, max_side=side, quality=82)
            with Image.open(io.BytesIO(made.data)) as im, Image.open(io.BytesIO(jpeg.data)) as a, \
                    Image.open(io.BytesIO(alone.data)) as b:
                pixels[f"{name} {side}"] = ssim(im, reference)
                jpegs[f"{name} {side}"] = ssim(a, b)
    table = "\n".join(f"{k}: {pixels[k]:.4f} {jpegs[k]:.4f}" for k in pixels)
    assert min(pixels.values()) >= 0.988, table
    assert statistics.mean(pixels.values()) >= 0.994, table
    assert min(jpegs.values()) >= 0.98, table


def test_prepared_jpeg_loses_no_more_than_the_encoder_itself(variants):
    for name, data, side, reference in variants:
        prepared = prepare(data, max_side=side, quality=82)
        ceiling = io.BytesIO()
        reference.save(ceiling, "JPEG", quality=82, optimize=True, subsampling="4:2:0")
        with Image.open(io.BytesIO(prepared.data)) as ours, Image.open(ceiling) as best:
            assert ours.format == "JPEG" and not ours.info.get("exif")
            assert ssim(ours, reference) >= ssim(best, reference) - 0.01, (name, side)


def test_ssim_tells_a_sharp_picture_from_a_blurred_one():
    """The measure itself: 1 for identical pictures, clearly lower for a blur, symmetric."""
    with Image.open(PHOTOS["forum-venue"]) as im:
        sharp = im.convert("RGB").resize((600, 400), Image.Resampling.LANCZOS)
    blurred = sharp.resize((150, 100), Image.Resampling.BOX).resize(sharp.size, Image.Resampling.BILINEAR)
    assert ssim(sharp, sharp) == pytest.approx(1.0)
    assert ssim(sharp, blurred) == pytest.approx(ssim(blurred, sharp))
    assert ssim(sharp, blurred) < 0.9
    with pytest.raises(ValueError):
        ssim(sharp, blurred.resize((601, 400)))


def test_a_variant_from_an_earlier_pipeline_is_not_served_from_the_cache(tmp_path, monkeypatch):
    """Cached variants carry the pipeline version: after a pipeline change (new bytes for the same
    source and options) a process must not mix old cached bytes with freshly prepared ones."""
    data = PHOTOS["forum-venue"].read_bytes()
    cache = images.ImageCache(tmp_path)
    monkeypatch.setattr(images, "PIPELINE", images.PIPELINE - 1)
    old = cache.prepare(data, max_side=480, quality=82)
    source_sha = hashlib.sha256(data).hexdigest()
    assert cache.cached(source_sha, max_side=480, quality=82) == old
    monkeypatch.undo()
    assert cache.cached(source_sha, max_side=480, quality=82) is None
    new = cache.prepare(data, max_side=480, quality=82)
    assert new == prepare(data, max_side=480, quality=82)
    assert cache.cached(source_sha, max_side=480, quality=82) == new
