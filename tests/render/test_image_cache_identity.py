"""The image cache's shortcuts never give a stale or wider answer than reading the file would:
pictures known by file identity (device, inode, size, mtime, ctime), variants' digests kept
beside them, item folders' real paths reused only while they lead to the same directory."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest
from PIL import Image

from publisher.render import images
from publisher.render.images import ImageCache, ImageProblem, locate_local


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (320, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch):
    """Each test starts without what earlier ones left in this process's memos."""
    monkeypatch.setattr(images, "_RECENT_VARIANTS", images._RecentVariants())
    monkeypatch.setattr(images, "_SOURCES", {})


def forget_variants():
    images._RECENT_VARIANTS.entries.clear()
    images._RECENT_VARIANTS.used = 0


@pytest.fixture
def settle_now(monkeypatch):
    """Remember files by identity at once (normally only files unchanged for 2 s are)."""
    monkeypatch.setattr(images, "_SETTLE_NS", -10**18)


def test_variant_digest_comes_from_the_meta_and_matches_the_bytes(tmp_path):
    cache = ImageCache(tmp_path / "cache")
    data = jpeg((200, 30, 30))
    made = cache.prepare(data, max_side=100, quality=80)
    assert made.digest == hashlib.sha256(made.data).hexdigest()
    again = cache.cached(hashlib.sha256(data).hexdigest(), max_side=100, quality=80)
    assert again is not None and again.data == made.data
    assert again.digest == made.digest == again.sha256


def test_variant_without_digest_is_hashed_and_its_digest_kept(tmp_path):
    cache = ImageCache(tmp_path / "cache")
    data = jpeg((20, 200, 30))
    made = cache.prepare(data, max_side=100, quality=80)
    key = cache._key(hashlib.sha256(data).hexdigest(), {"max_side": 100, "quality": 80})
    meta = tmp_path / "cache" / key[:2] / f"{key}.meta"
    # The meta file keeps the format older versions read (they may share the cache).
    assert meta.read_text() == f"{made.media_type} {made.width} {made.height}"
    sidecar = meta.with_suffix(".sha256")
    sidecar.unlink()  # as an older version leaves a variant
    forget_variants()
    found = cache.cached(hashlib.sha256(data).hexdigest(), max_side=100, quality=80)
    assert found is not None and found.sha256 == hashlib.sha256(made.data).hexdigest()
    assert sidecar.read_text().split() == [str(len(made.data)), found.sha256]


def test_digest_whose_size_does_not_match_the_variant_is_not_trusted(tmp_path):
    cache = ImageCache(tmp_path / "cache")
    data = jpeg((20, 20, 200))
    made = cache.prepare(data, max_side=100, quality=80)
    key = cache._key(hashlib.sha256(data).hexdigest(), {"max_side": 100, "quality": 80})
    variant = tmp_path / "cache" / key[:2] / key
    variant.write_bytes(made.data + b"x")
    forget_variants()
    found = cache.cached(hashlib.sha256(data).hexdigest(), max_side=100, quality=80)
    assert found is not None and found.sha256 == hashlib.sha256(made.data + b"x").hexdigest()


@pytest.mark.parametrize("restore_mtime", [False, True])
def test_a_changed_picture_is_never_taken_for_the_old_one(tmp_path, settle_now, restore_mtime):
    cache = ImageCache(tmp_path / "cache")
    picture = tmp_path / "photo.jpg"
    old, new = jpeg((200, 30, 30)), jpeg((30, 30, 200))
    new = new[: len(old)] if len(new) >= len(old) else new + b"\0" * (len(old) - len(new))
    assert len(new) == len(old) and new != old
    picture.write_bytes(old)
    first = cache.source(picture, "photo.jpg")
    assert first.sha256 == hashlib.sha256(old).hexdigest()
    assert cache.source(picture, "photo.jpg").sha256 == first.sha256  # from the identity memo
    stat = picture.stat()
    time.sleep(0.01)
    with open(picture, "r+b") as handle:  # same inode, same size
        handle.write(new)
    if restore_mtime:  # an editor's tool that keeps the old modification time: ctime still moves
        os.utime(picture, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.source(picture, "photo.jpg").sha256 == hashlib.sha256(new).hexdigest()
    # and across processes: the on-disk index is keyed by the same identity
    images._SOURCES.clear()
    assert cache.source(picture, "photo.jpg").sha256 == hashlib.sha256(new).hexdigest()


def test_a_just_written_picture_is_not_remembered(tmp_path):
    cache = ImageCache(tmp_path / "cache")
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(jpeg((1, 2, 3)))
    assert cache.source(picture, "photo.jpg").data is not None  # read, not remembered
    assert images._SOURCES == {}
    assert not (tmp_path / "cache" / "sources").exists()


def test_a_remembered_picture_still_meets_the_pixel_limit(tmp_path, settle_now, monkeypatch):
    cache = ImageCache(tmp_path / "cache")
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(jpeg((1, 2, 3), (400, 300)))
    cache.source(picture, "photo.jpg")
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(ImageProblem) as problem:
        cache.source(picture, "photo.jpg")
    assert problem.value.code == "image-bomb"


def test_a_broken_picture_is_refused_every_time(tmp_path, settle_now):
    cache = ImageCache(tmp_path / "cache")
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(b"\xff\xd8 not a picture")
    for _ in range(2):
        with pytest.raises(ImageProblem) as problem:
            cache.source(picture, "photo.jpg")
        assert problem.value.code == "image-decode"


def _folder(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(jpeg(colour))
    return folder


def test_locate_local_refuses_what_it_refused_before(tmp_path):
    folder = _folder(tmp_path, "item", (1, 2, 3))
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    (folder / "out.jpg").symlink_to(tmp_path / "secret.jpg")
    (folder / "in.jpg").symlink_to(folder / "photo.jpg")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(tmp_path)
    (folder / "dir.jpg").mkdir()
    assert locate_local(folder, "photo.jpg") == folder / "photo.jpg"
    assert locate_local(folder, "./photo.jpg") == folder / "photo.jpg"
    assert locate_local(folder, "in.jpg") == folder / "photo.jpg"
    for ref, code in [("out.jpg", "image-path"), ("sub/up/secret.jpg", "image-path"), ("../secret.jpg", "image-path"),
                      (str(tmp_path / "secret.jpg"), "image-path"), ("missing.jpg", "image-missing"),
                      ("photo.jpg/x", "image-missing"), ("dir.jpg", "image-missing"), (".", "image-missing")]:
        with pytest.raises(ImageProblem) as problem:
            locate_local(folder, ref)
        assert problem.value.code == code, ref


def test_a_folder_replaced_by_a_link_is_resolved_again(tmp_path):
    one = _folder(tmp_path, "one", (200, 0, 0))
    two = _folder(tmp_path, "two", (0, 0, 200))
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "item"
    link.symlink_to(one)
    assert locate_local(link, "photo.jpg") == one / "photo.jpg"
    link.unlink()
    link.symlink_to(two)  # e.g. a deploy that switches a "current" link
    assert locate_local(link, "photo.jpg") == two / "photo.jpg"
    # the real folder itself swapped for a link to a folder without the picture
    two.rename(tmp_path / "two-old")
    two.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ImageProblem) as problem:
        locate_local(link, "photo.jpg")
    assert problem.value.code == "image-missing"


def test_recent_variants_are_per_cache_folder_and_within_their_budget(tmp_path):
    data = jpeg((9, 9, 9))
    sha = hashlib.sha256(data).hexdigest()
    one, two = ImageCache(tmp_path / "one"), ImageCache(tmp_path / "two")
    made = one.prepare(data, max_side=50, quality=80)
    assert one.cached(sha, max_side=50, quality=80) is made  # from memory
    assert two.cached(sha, max_side=50, quality=80) is None  # another cache folder: its own files
    recent = images._RecentVariants(budget=8 * len(made.data))
    for n in range(10):
        recent.put(("f", n), made)
    assert recent.used <= recent.budget and len(recent.entries) == 8
    assert recent.get(("f", 0)) is None and recent.get(("f", 9)) is made
