"""Each channel decodes a picture once for all the variants it needs of it (cover and thumb, the
site's srcset widths, a body picture that is also the cover), and not at all once they are in the
image cache: a guard on the work, counted rather than timed.

A decode is a call of Pillow's decoder factory (`Image._getdecoder`): `ImageFile.load` makes
one per picture it decodes; reading a header (size, format, EXIF orientation) makes none.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from render_fixtures import load, make_root

from publisher.render import images
from publisher.render.images import ImageCache
from publisher.render.renditions import render_and_check
from tests.decode_count import count_decodes

FRONT = "title: 图片解码\nauthor: 测试\ndepartment: 测试处\npublish_at: 2026-11-20 09:00"


def photo(size: tuple[int, int], seed: int) -> bytes:
    small = Image.effect_noise((size[0] // 8, size[1] // 8), 30 + seed).convert("RGB")
    out = io.BytesIO()
    small.resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=88)
    return out.getvalue()


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """The decoder names Pillow asked for during the test, one per picture decoded."""
    seen = count_decodes(monkeypatch)
    monkeypatch.setattr(images, "_RECENT_VARIANTS", images._RecentVariants())
    monkeypatch.setattr(images, "_SOURCES", {})
    return seen


def render(root, account: str, cache: ImageCache):
    item, matrix = load(root, "2026/11/pictures")
    rendition, findings = render_and_check(item, matrix, matrix.account(account), cache)
    assert not [f for f in findings if f.code.startswith(("image", "wechat-image", "weibo-image"))], findings
    return rendition


@pytest.fixture
def two_pictures(tmp_path):
    """A cover photo and a different body photo, both camera-sized."""
    return make_root(tmp_path, "2026/11/pictures", FRONT + "\ncover: cover.jpg", "正文。\n\n![现场](body.jpg)\n",
                     {"cover.jpg": photo((4000, 3000), 1), "body.jpg": photo((3200, 2400), 2)})


@pytest.mark.parametrize("account, variants", [("wx-main", 3), ("portal", 6), ("wb-main", 1)])
def test_one_decode_per_picture_then_none(two_pictures, tmp_path, decodes, account, variants):
    cache = ImageCache(tmp_path / "cache")
    rendition = render(two_pictures, account, cache)
    pictures = {asset.source for asset in rendition.assets}
    assert len(rendition.assets) == variants  # the variants made …
    assert len(decodes) == len(pictures)  # … from one decode per picture
    images._RECENT_VARIANTS.entries.clear()
    images._SOURCES.clear()
    decodes.clear()
    assert render(two_pictures, account, cache).content_hash == rendition.content_hash
    assert decodes == []  # every variant from the cache


def test_wechat_body_picture_that_is_the_cover_is_decoded_once(tmp_path, decodes):
    """No cover in the front matter: the first body picture's body, cover and thumb variants."""
    root = make_root(tmp_path, "2026/11/pictures", FRONT, "正文。\n\n![现场](body.jpg)\n",
                     {"body.jpg": photo((4000, 3000), 3)})
    cache = ImageCache(tmp_path / "cache")
    rendition = render(root, "wx-main", cache)
    assert sorted(asset.role for asset in rendition.assets) == ["body", "cover", "thumb"]
    assert decodes == ["jpeg"]
    # Without a cache (preview of a single item), the same bytes and still one decode.
    decodes.clear()
    assert render(root, "wx-main", ImageCache(None)).content_hash == rendition.content_hash
    assert decodes == ["jpeg"]
