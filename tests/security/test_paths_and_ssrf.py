"""An item cannot reach outside the content repo, nor make the product fetch from the network.

- Image and cover paths: absolute, `..`, percent-encoded `..`, backslashes and symlinks that
  resolve outside the item's folder are refused by the check and by every renderer (which would
  otherwise publish the file's bytes).
- Item files and folders that are symlinks out of the repo are not read.
- Remote images are refused by default; with `allow_remote_images` only http(s) to public
  addresses pass (no loopback, private, link-local, IPv6 ULA, IPv4-mapped IPv6), and no renderer
  ever fetches one (a canary server on 127.0.0.1 counts requests).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_content import ITEM, Canary, hostile_root

from publisher.checks import CheckContext, run_item_checks
from publisher.content.loader import load_items
from publisher.content.matrix import load_matrix
from publisher.content.targets import targets_for
from publisher.render.renditions import channel_for
from publisher.settings import Settings

SECRET_FILE_TEXT = "TOP-SECRET-OUTSIDE-THE-REPO"


def outside_image(tmp_path: Path) -> Path:
    """A real JPEG outside the content repo (what a traversal would publish)."""
    from publish_fixtures import cover_jpeg

    path = tmp_path / "outside" / "secret.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cover_jpeg(99))
    return path


def load(root: Path):
    matrix = load_matrix(root)
    loaded = load_items(root, matrix)
    return loaded, matrix


def findings_for(root: Path, settings: Settings | None = None) -> list:
    loaded, matrix = load(root)
    assert loaded.items, loaded.findings
    ctx = CheckContext.build(matrix, settings or Settings(_env_file=None))
    return [f for item in loaded.items for f in run_item_checks(item, ctx)]


def rendered_bytes(root: Path) -> list[bytes]:
    """Every asset every renderer produced for the item (nothing may come from outside)."""
    loaded, matrix = load(root)
    out = []
    for item in loaded.items:
        for account in targets_for(item, matrix):
            try:
                rendition = channel_for(account, matrix).render(item)
            except Exception as exc:  # noqa: BLE001 - refusing to render is a fine answer too
                out.append(f"refused: {exc}".encode())
                continue
            out.extend(asset.data for asset in rendition.assets)
            out.append(repr(rendition.payload).encode())
    return out


TRAVERSALS = [
    "../../../outside/secret.jpg",
    "%2e%2e/%2e%2e/%2e%2e/outside/secret.jpg",
    "..\\..\\..\\outside\\secret.jpg",
    "{abs}",
    "file://{abs}",
    "./sub/../../../../outside/secret.jpg",
]


@pytest.mark.parametrize("ref", TRAVERSALS)
@pytest.mark.parametrize("where", ["body", "cover"])
def test_traversal_is_refused_by_check_and_renderers(tmp_path, ref, where):
    secret = outside_image(tmp_path).read_bytes()
    ref = ref.format(abs=outside_image(tmp_path))
    if where == "body":
        root = hostile_root(tmp_path, body=f"![图]({ref})")
    else:
        root = hostile_root(tmp_path, cover=f'"{ref}"' if "\\" not in ref else f"'{ref}'")
    errors = [f for f in findings_for(root) if f.is_error and f.code.startswith("image")]
    assert errors, f"{where} {ref!r} passed the checks"
    assert all(secret not in blob for blob in rendered_bytes(root)), f"{where} {ref!r} was rendered"


@pytest.mark.parametrize("where", ["body", "cover"])
def test_symlink_out_of_the_item_folder_is_refused(tmp_path, where):
    secret = outside_image(tmp_path)
    root = hostile_root(tmp_path, body="![图](link.jpg)" if where == "body" else "", cover="link.jpg" if where == "cover" else None)
    os.symlink(secret, root / "items" / ITEM / "link.jpg")
    errors = [f for f in findings_for(root) if f.is_error and f.code == "image-outside-folder"]
    assert errors
    assert all(secret.read_bytes() not in blob for blob in rendered_bytes(root))


def test_item_file_and_folder_symlinked_out_of_the_repo_are_not_read(tmp_path):
    root = hostile_root(tmp_path)
    outside = tmp_path / "elsewhere" / "2026" / "leak"
    outside.mkdir(parents=True)
    leaked = (root / "items" / ITEM / "index.md").read_text(encoding="utf-8").replace(
        "工作推进会召开", SECRET_FILE_TEXT[:10])  # fmt: skip
    (outside / "index.md").write_text(leaked, encoding="utf-8")
    os.symlink(outside, root / "items" / "2026" / "linked-folder")
    file_link = root / "items" / "2026" / "linked-file"
    file_link.mkdir()
    os.symlink(outside / "index.md", file_link / "index.md")
    loaded, _ = load(root)
    ids = {item.id for item in loaded.items}
    assert ids == {ITEM}, ids
    refused = [f for f in loaded.findings if "linked-file" in f.location]
    assert refused and refused[0].is_error


# -- remote images (SSRF) ------------------------------------------------------------------------

PRIVATE = [
    "http://127.0.0.1/x.png", "http://127.1/x.png", "http://localhost/x.png", "http://0.0.0.0/x.png",
    "http://10.1.2.3/x.png", "http://172.16.0.1/x.png", "http://192.168.1.1/x.png",
    "http://169.254.169.254/latest/meta-data", "http://100.64.0.1/x.png",
    "http://[::1]/x.png", "http://[fd00::1]/x.png", "http://[fe80::1]/x.png",
    "http://[::ffff:127.0.0.1]/x.png", "http://[::ffff:10.0.0.1]/x.png", "http://2130706433/x.png",
    "//127.0.0.1/x.png",
]
BAD_SCHEMES = ["file:///etc/passwd", "ftp://8.8.8.8/x.png", "gopher://8.8.8.8/x", "data:image/png;base64,AAAA"]


def remote_settings(allow: bool) -> Settings:
    return Settings(_env_file=None, allow_remote_images=allow)


@pytest.mark.parametrize("url", ["https://8.8.8.8/x.png", *PRIVATE])
def test_remote_images_are_refused_by_default(tmp_path, url):
    root = hostile_root(tmp_path, body=f"![远程]({url})")
    codes = {f.code for f in findings_for(root, remote_settings(False)) if f.is_error}
    assert codes & {"image-remote", "image-outside-folder", "image-bad-scheme"}, codes


@pytest.mark.parametrize("url", PRIVATE)
def test_enabled_remote_images_never_reach_private_addresses(tmp_path, url):
    root = hostile_root(tmp_path, body=f"![远程]({url})")
    errors = [f for f in findings_for(root, remote_settings(True)) if f.is_error and f.code.startswith("image")]
    assert errors, url
    assert errors[0].code in ("image-remote-private", "image-outside-folder"), errors


@pytest.mark.parametrize("url", BAD_SCHEMES)
def test_enabled_remote_images_are_http_or_https_only(tmp_path, url):
    root = hostile_root(tmp_path, body=f"![远程]({url})")
    codes = {f.code for f in findings_for(root, remote_settings(True)) if f.is_error}
    assert codes & {"image-bad-scheme", "image-outside-folder"}, codes


def test_a_public_address_passes_when_enabled(tmp_path):
    root = hostile_root(tmp_path, body="![远程](https://8.8.8.8/x.png)")
    assert not [f for f in findings_for(root, remote_settings(True)) if f.code.startswith("image")]


def test_no_renderer_fetches_a_remote_image(tmp_path):
    canary = Canary()
    with canary.running():
        body = "\n\n".join(f"![远程{i}]({canary.url}/{kind}.png)" for i, kind in enumerate(["a", "b"]))
        root = hostile_root(tmp_path, body=body + f'\n\n<img src="{canary.url}/html.png">')
        for allow in (False, True):
            findings_for(root, remote_settings(allow))
            blobs = rendered_bytes(root)
            from publisher.office.preview import build_preview

            loaded, matrix = load(root)
            html = build_preview(loaded.items[0], matrix, settings=remote_settings(allow))
            assert f'src="{canary.url}' not in html
            assert not any(f'src="{canary.url}'.encode() in b or f"src='{canary.url}".encode() in b for b in blobs)
    assert canary.requests == []
