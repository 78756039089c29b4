"""Camera originals are accepted and downscaled for every channel; decompression bombs are not.

Real JPEG files of real camera sizes (54 MP and 96 MP), a real PNG bomb (a few hundred KB that
would decode into gigabytes), the real check, and every channel's real renderer.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from publisher.checks.context import CheckContext
from publisher.checks.images import check_images
from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix
from publisher.render.images import ImageProblem, inspect, prepare
from publisher.render.renditions import channel_for
from tests.channels.render_fixtures import make_root


def camera_jpeg(width: int, height: int) -> bytes:
    """A JPEG of camera size with real detail (a blocky pattern, so it compresses like a photo
    would not but decodes like one), made without holding more than one full-size image."""
    small = Image.effect_mandelbrot((width // 16, height // 16), (-2.0, -1.2, 1.0, 1.2), 80).convert("RGB")
    big = small.resize((width, height), Image.Resampling.NEAREST)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=80)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of all-zero rows: tiny on disk, `width × height` pixels decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def originals() -> dict[str, bytes]:
    return {"full-frame.jpg": camera_jpeg(9000, 6000), "medium-format.jpg": camera_jpeg(12000, 8000)}


FRONT = """title: 相机原图测试
author: 张三
department: 办公室
publish_at: 2026-11-20 09:00
cover: {cover}
"""


@pytest.mark.parametrize("name,size", [("full-frame.jpg", (9000, 6000)), ("medium-format.jpg", (12000, 8000))])
def test_camera_original_passes_the_check_and_is_downscaled_for_every_channel(tmp_path, originals, name, size):
    data = originals[name]
    assert inspect(data) == ("JPEG", *size)
    root = make_root(tmp_path, "2026/11/camera", FRONT.format(cover=name),
                     f"\n会场全景。\n\n![会场全景]({name})\n", files={name: data})
    matrix = load_matrix(root)
    item, findings = load_item(root / "items/2026/11/camera/index.md", root, matrix)
    assert item is not None, findings
    assert check_images(item, CheckContext.build(matrix)) == []
    largest = {"wechat": 1280, "weibo": 2048, "site": 1600}
    seen = set()
    for account in matrix.accounts:
        rendition = channel_for(account, matrix).render(item)
        assert not rendition.payload.get("problem"), rendition.payload
        pictures = [a for a in rendition.assets if a.media_type.startswith("image/")]
        assert pictures, account.id
        for asset in pictures:
            with Image.open(io.BytesIO(asset.data)) as im:
                assert max(im.size) <= largest[account.channel], (account.id, asset.name, im.size)
                assert im.size == (asset.width, asset.height)
                # Downscaled, same shape (3:2) within rounding.
                assert abs(im.width / im.height - size[0] / size[1]) < 0.01
        seen.add(account.channel)
    assert seen == {"wechat", "weibo", "site"}


def test_png_bomb_is_refused_with_its_size_and_the_fix(tmp_path):
    bomb = png_bomb(40_000, 40_000)  # 1.6 billion pixels from a file of a few hundred KB
    assert len(bomb) < 1_000_000
    with pytest.raises(ImageProblem) as caught:
        prepare(bomb, max_side=1080)
    assert caught.value.code == "image-bomb"
    message = caught.value.message
    assert "图片尺寸过大（40000×40000 像素" in message and "缩小" in message

    root = make_root(tmp_path, "2026/11/bomb", FRONT.format(cover="bomb.png"), "\n正文。\n", files={"bomb.png": bomb})
    matrix = load_matrix(root)
    item, _ = load_item(root / "items/2026/11/bomb/index.md", root, matrix)
    assert item is not None
    findings = check_images(item, CheckContext.build(matrix))
    assert [f.code for f in findings] == ["image-bomb"]
    assert "图片尺寸过大（40000×40000 像素，约 16 亿像素）" in findings[0].message
    assert "另存" in findings[0].message


def test_bomb_just_over_the_limit_names_the_limit(tmp_path):
    bomb = png_bomb(20_000, 15_000)  # 3 亿像素: over the 2 亿 default, under Pillow's own error
    with pytest.raises(ImageProblem) as caught:
        inspect(bomb)
    assert "20000×15000 像素，约 3 亿像素" in caught.value.message
    assert "超过上限 2 亿像素" in caught.value.message


def test_pixel_limit_is_configurable_per_repo(tmp_path, originals):
    root = make_root(tmp_path, "2026/11/camera", FRONT.format(cover="full-frame.jpg"), "\n正文。\n",
                     files={"full-frame.jpg": originals["full-frame.jpg"]},
                     toml_extra="[checks]\nimage_max_pixels = 30000000\n")
    matrix = load_matrix(root)
    item, _ = load_item(root / "items/2026/11/camera/index.md", root, matrix)
    assert item is not None
    findings = check_images(item, CheckContext.build(matrix))
    assert [f.code for f in findings] == ["image-bomb"]
    assert "（9000×6000 像素，约 5400 万像素），超过上限 3000 万像素" in findings[0].message
    assert findings[0].line == 6  # the `cover:` line
