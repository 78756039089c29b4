"""Several variants of one picture from one decode (`prepare_many`, `ImageCache.prepare_many`):
counted decodes, not timings, and bytes that never depend on which variants were in the cache.

A decode is a call of Pillow's decoder factory (`Image._getdecoder`), which `ImageFile.load`
makes once per picture it decodes; opening a file to read its header (`inspect`) makes none.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from publisher.render import images
from publisher.render.images import ImageCache, ImageProblem, prepare, prepare_many
from tests.decode_count import count_decodes

SIDES = (1600, 960, 480)


def photo(size: tuple[int, int] = (3000, 2000), *, orientation: int | None = None) -> bytes:
    """A JPEG with detail at every scale (noise over a gradient), like a camera photo."""
    small = Image.effect_noise((size[0] // 8, size[1] // 8), 50).convert("RGB")
    big = small.resize(size, Image.Resampling.BICUBIC)
    picture = Image.blend(big, Image.linear_gradient("L").resize(size).convert("RGB"), 0.4)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """The decoder names Pillow asked for during the test, one per picture decoded."""
    return count_decodes(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch):
    monkeypatch.setattr(images, "_RECENT_VARIANTS", images._RecentVariants())
    monkeypatch.setattr(images, "_SOURCES", {})


def test_three_variants_one_decode(decodes):
    data = photo()
    made = prepare_many(data, [{"max_side": side, "quality": 82} for side in SIDES])
    assert decodes == ["jpeg"]
    assert [max(m.width, m.height) for m in made] == list(SIDES)


def test_the_variant_needing_the_finest_decode_is_the_one_prepare_makes():
    """The set decodes at the scale its most demanding variant needs: that variant's bytes are
    exactly those of `prepare` on its own (its cache key is unchanged too)."""
    data = photo((6000, 4000))
    made = prepare_many(data, [{"max_side": side, "quality": 82} for side in SIDES])
    assert made[0] == prepare(data, max_side=1600, quality=82)
    assert images.decode_scale((6000, 4000), [{"max_side": s} for s in SIDES]) == 2
    assert [images.reduction((6000, 4000), {"max_side": s}, 2) for s in SIDES] == [1, 2, 4]


def test_a_variant_is_the_same_whatever_else_is_made_with_it():
    """Its bytes depend on the picture, its settings and its reduction (which its cache key
    names), not on the other variants of the set."""
    data = photo((6000, 4000))
    cover, body, thumb = prepare_many(data, [{"max_side": side, "quality": 82} for side in SIDES])
    assert prepare_many(data, [{"max_side": 1600, "quality": 82}, {"max_side": 480, "quality": 82}]) == [cover, thumb]
    assert images._prepare_set(data, [{"max_side": 480, "quality": 82}], 2) == [thumb]


def test_png_variants_are_those_prepare_makes(decodes):
    """No scaled decode for a PNG: each variant is resampled from the full picture, as alone."""
    out = io.BytesIO()
    Image.open(io.BytesIO(photo((1800, 1200)))).convert("RGBA").save(out, "PNG")
    data = out.getvalue()
    decodes.clear()
    made = prepare_many(data, [{"max_side": side} for side in (960, 480)])
    assert decodes == ["zip"]
    assert made == [prepare(data, max_side=960), prepare(data, max_side=480)]


def test_orientation_and_crops_per_variant():
    data = photo((2400, 1600), orientation=6)  # upright: 1600 wide, 2400 high
    cover, square = prepare_many(data, [{"max_side": 1200}, {"max_side": 300, "crop": (0.0, 0.0, 1.0, 2 / 3)}])
    assert (cover.width, cover.height) == (800, 1200)
    assert (square.width, square.height) == (300, 300)


def test_one_bad_variant_fails_the_set_with_the_editors_message():
    data = photo((1200, 800))
    with pytest.raises(ImageProblem) as problem:
        prepare_many(data, [{"max_side": 600}, {"max_side": 1200, "max_bytes": 10}])
    assert problem.value.code == "image-too-large"
    with pytest.raises(ImageProblem) as broken:
        prepare_many(data[: len(data) // 2], [{"max_side": 600}, {"max_side": 300}])
    assert broken.value.code == "image-decode"


def test_cache_prepares_a_picture_once_and_serves_each_variant(tmp_path, decodes):
    cache = ImageCache(tmp_path)
    data = photo()
    variants = [{"max_side": side, "quality": 82} for side in SIDES]
    first = cache.prepare_many(data, variants)
    assert decodes == ["jpeg"]
    images._RECENT_VARIANTS.entries.clear()
    assert cache.prepare_many(data, variants) == first
    sha = hashlib.sha256(data).hexdigest()
    assert cache.cached_many(sha, (3000, 2000), variants) == first
    assert cache.cached_many(sha, (2000, 3000), variants) == first  # oriented size, no crops: same scales
    assert decodes == ["jpeg"]


def test_a_variant_missing_from_the_cache_is_made_as_it_was_with_the_others(tmp_path, decodes):
    """One variant cached, the others not: one decode, and each re-made variant has the bytes
    (and so the rendition hash) it had when the whole set was made at once."""
    cache = ImageCache(tmp_path)
    data = photo()
    variants = [{"max_side": side, "quality": 82} for side in SIDES]
    first = cache.prepare_many(data, variants)
    for variant in first[1:]:  # the 960 and 480 variants' files go
        for path in tmp_path.rglob("*"):
            if path.is_file() and path.read_bytes() == variant.data:
                for sibling in path.parent.glob(path.name + "*"):
                    sibling.unlink()
    images._RECENT_VARIANTS.entries.clear()
    decodes.clear()
    again = cache.prepare_many(data, variants)
    assert decodes == ["jpeg"]
    assert [m.data for m in again] == [m.data for m in first]
    decodes.clear()
    assert cache.prepare_many(data, variants[:1]) == first[:1]  # alone: the same key, from the cache
    assert decodes == []


def test_prepare_source_many_reads_the_file_only_when_a_variant_is_missing(tmp_path, decodes, monkeypatch):
    monkeypatch.setattr(images, "_SETTLE_NS", -10**18)
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(photo())
    cache = ImageCache(tmp_path / "cache")
    variants = [{"max_side": 1280, "fmt": "JPEG", "quality": 88}, {"max_side": 360, "fmt": "JPEG", "quality": 80}]
    source = cache.source(picture, "photo.jpg")
    made = cache.prepare_source_many(source, variants)
    assert decodes == ["jpeg"]
    known = cache.source(picture, "photo.jpg")  # now known by identity: no bytes kept
    assert known.data is None
    images._RECENT_VARIANTS.entries.clear()
    assert cache.prepare_source_many(known, variants) == made
    assert decodes == ["jpeg"]
