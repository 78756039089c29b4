from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from publisher.checks.context import CheckContext
from publisher.checks.images import body_images, check_images
from publisher.content.matrix import Matrix
from publisher.settings import Settings

from .conftest import item_text


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def run(item, matrix=None, remote=False):
    settings = Settings(allow_remote_images=remote, _env_file=None)
    return [(f.code, f.line) for f in check_images(item, CheckContext.build(matrix or Matrix(), settings))]


def test_all_reference_forms_are_found_and_code_is_ignored(make_item):
    body = (
        "![a](a.png)\n"
        "![b][pic]\n"
        "<IMG class=x SRC='c.png'>\n"
        "`![no](inline-code.png)`\n"
        "```\n![no](fenced.png)\n```\n"
        "![d](<sub dir/d.png> \"标题\")\n"
        "\n[pic]: b.png\n"
    )
    item = make_item(item_text(body=body))
    refs = body_images(item)
    assert [(r.target, r.line) for r in refs] == [
        ("a.png", 18), ("c.png", 20), ("sub dir/d.png", 25), ("b.png", 27),  # b: where it is defined
    ]


def test_good_images_in_subfolders_and_inner_symlinks_pass(make_item, tmp_path):
    item = make_item(item_text(body="![a](img/a.png)\n![b](link.png)\n![c](%E5%9B%BE.png)\n"),
                     files={"img/a.png": png(), "图.png": png()})
    os.symlink("img/a.png", item.folder / "link.png")
    assert run(item) == []


def test_percent_encoded_traversal_and_windows_paths_are_refused(make_item):
    item = make_item(item_text(body="![a](%2e%2e/%2e%2e/etc/passwd)\n![b](C:\\\\Windows\\\\x.png)\n"))
    assert run(item) == [("image-outside-folder", 18), ("image-outside-folder", 19)]


def test_pixel_and_byte_limits_come_from_the_matrix(make_item):
    item = make_item(item_text(body="![a](a.png)\n"), files={"a.png": png((200, 100))})
    assert run(item) == []
    assert run(item, Matrix.model_validate({"checks": {"image_max_pixels": 10_000}})) == [("image-bomb", 18)]
    assert run(item, Matrix.model_validate({"checks": {"image_max_bytes": 100}})) == [("image-too-large", 18)]


def test_truncated_image_fails_verify(make_item):
    data = png((300, 300))
    item = make_item(item_text(body="![a](a.png)\n"), files={"a.png": data[: len(data) // 2]})
    assert run(item) == [("image-decode", 18)]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/a.png",
    "http://localhost:8080/a.png",
    "http://2130706433/a.png",  # 127.0.0.1 written as one number
    "http://10.1.2.3/a.png",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/a.png",
    "http://[::ffff:192.168.1.1]/a.png",
    "https://0.0.0.0/a.png",
])
def test_remote_images_never_reach_private_addresses(make_item, url):
    item = make_item(item_text(body=f"![a]({url})\n"))
    assert run(item, remote=True) == [("image-remote-private", 18)]
    assert run(item, remote=False) == [("image-remote", 18)]


def test_public_literal_address_is_allowed_when_enabled(make_item):
    item = make_item(item_text(body="![a](https://8.8.8.8/a.png)\n![b](ftp://8.8.8.8/a.png)\n"))
    assert run(item, remote=True) == [("image-bad-scheme", 19)]


def test_symlinked_folders_and_dangling_links(make_item, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(png())
    item = make_item(item_text(body="![a](inner/a.png)\n![b](out/x.png)\n![c](gone.png)\n"),
                     files={"real/a.png": png()})
    os.symlink("real", item.folder / "inner")
    os.symlink(outside, item.folder / "out")
    os.symlink("nothing.png", item.folder / "gone.png")
    assert run(item) == [("image-outside-folder", 19), ("image-missing", 20)]
