"""WeChat rendering: golden files, WeChat-safe HTML, reference footnotes, images (EXIF, limits),
cover, limits reported not cut, determinism, hostile input."""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import lxml.html
import pytest
from PIL import Image
from render_fixtures import (
    FIXTURE_ROOT,
    REPO,
    all_items,
    assert_golden,
    content_items,
    load,
    make_root,
)

from channels.wechat.render import derive_digest
from publisher.content.targets import targets_for
from publisher.render.images import ImageCache
from publisher.render.renditions import channel_for, render_and_check

FULL = "2026/11/full-article"
XSS = "2026/11/xss-corpus"
# Markup that must never survive (editors' text may still *mention* "javascript:" as plain text).
HOSTILE_TAGS = ("<script", "<svg", "<iframe", "<object", "<embed", "<form", "<input", "<math", "<style",
                "<link", "<meta", "<base", " on", "class=", " id=", "position:", "url(")
HOSTILE_VALUES = ("javascript:", "vbscript:", "data:", "file:", "evil.example.com")


def wechat(root: Path, item_id: str, account: str = "wx-main", cache: ImageCache | None = None):
    item, matrix = load(root, item_id)
    rendition, findings = render_and_check(item, matrix, matrix.account(account), cache)
    return item, rendition, findings


def jpeg(width: int, height: int, *, exif: Image.Exif | None = None, noise: bool = False, quality: int = 90) -> bytes:
    if noise:
        im = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        im = Image.new("RGB", (width, height), (200, 60, 40))
        im.paste((30, 90, 200), (0, 0, width // 2, height // 3))  # a mark that shows orientation
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, **({"exif": exif.tobytes()} if exif else {}))
    return out.getvalue()


def gps_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 9.0)}
    return exif


FRONT = "title: 图片测试\nauthor: 测试\ndepartment: 测试处\npublish_at: 2026-11-20 09:00"


# --- golden files ------------------------------------------------------------------------------

@pytest.mark.parametrize("item_id", ["2026/11/full-article", "2026/11/xss-corpus", "2026/11/bad-images"])
def test_golden_fixture_items(item_id):
    _, rendition, _ = wechat(FIXTURE_ROOT, item_id)
    assert_golden("wechat", "fixture-" + item_id.replace("/", "-"), rendition)


@pytest.mark.parametrize("item_id", content_items())
def test_golden_sample_content(item_id):
    item, matrix = load(REPO / "content", item_id)
    accounts = [a for a in targets_for(item, matrix) if a.channel == "wechat"] or matrix.accounts_for("wechat")[:1]
    rendition = channel_for(accounts[0], matrix).render(item)
    assert_golden("wechat", "content-" + item_id.replace("/", "-"), rendition)


# --- HTML WeChat keeps -------------------------------------------------------------------------

def test_content_is_inline_styled_and_wechat_safe():
    _, rendition, findings = wechat(FIXTURE_ROOT, FULL)
    content = rendition.payload["content"]
    for banned in ("<style", "<script", "class=", " id=", "position:"):
        assert banned not in content
    tree = lxml.html.fragment_fromstring(content, create_parent="div")
    for tag in ("p", "h2", "img", "table", "th", "td", "blockquote", "section", "strong", "sup"):
        elements = tree.iter(tag)
        assert all(el.get("style") for el in elements), f"<{tag}> without inline style"
    assert tree[0].tag == "section" and "font-size:16px" in tree[0].get("style")
    assert not [f for f in findings if f.is_error], [str(f) for f in findings]


def test_external_links_become_numbered_references_and_wechat_links_stay():
    _, rendition, _ = wechat(FIXTURE_ROOT, FULL)
    content = rendition.payload["content"]
    tree = lxml.html.fragment_fromstring(content, create_parent="div")
    assert [a.get("href") for a in tree.iter("a")] == ["https://mp.weixin.qq.com/s/AbCdEf123"]
    # The item's own footnote is [1]; links are numbered after it, a repeated link keeps its number.
    sups = [s.text_content() for s in tree.iter("sup")]
    assert sups == ["[2]", "[1]", "[3]", "[2]", "[4]"]
    block = content[content.index("参考资料"):]
    refs = re.findall(r">(\d+)\. ([^<]+)</p>", block)
    assert refs == [
        ("2", "《公共数据开放目录》: https://data.example.gov.cn/catalog?year=2026&amp;q=开放"),
        ("3", "国家标准: https://std.example.org/gb-t-35273"),
        ("4", "市政府通知: https://www.example.gov.cn/notice/2026-10.html"),
    ]
    assert "mailto:" not in content and "办公室" in content  # link text stays, mailto goes


def test_theme_per_account_and_unknown_theme_warns(tmp_path):
    _, red, _ = wechat(FIXTURE_ROOT, FULL, "wx-red")
    _, default, _ = wechat(FIXTURE_ROOT, FULL)
    assert "#b71c1c" in red.payload["content"] and "#b71c1c" not in default.payload["content"]
    assert red.payload["need_open_comment"] == 1 and default.payload["need_open_comment"] == 0
    extra = '[[accounts]]\nid = "wx-odd"\nname = "x"\nchannel = "wechat"\ndefault = false\n' \
            '[accounts.options]\nappid = "a"\ntheme = "../../etc/passwd"\n'
    root = make_root(tmp_path, "2026/11/a", FRONT + "\ncover: c.jpg", "## 小标题\n\n正文。\n", {"c.jpg": jpeg(300, 200)}, extra)
    _, rendition, findings = wechat(root, "2026/11/a", "wx-odd")
    assert [f.code for f in findings] == ["wechat-theme-unknown"] and not findings[0].is_error
    assert "#1e5fa8" in rendition.payload["content"]  # the default theme


def test_css_inliner_never_fetches_remote_stylesheets(tmp_path):
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/evil.css"
        body = (f'<link rel="stylesheet" href="{url}">\n\n<style>@import url("{url}");</style>\n\n'
                f'<p style="background:url({url})">正文</p>\n')
        root = make_root(tmp_path, "2026/11/css", FRONT + "\ncover: c.jpg", body, {"c.jpg": jpeg(300, 200)})
        _, rendition, _ = wechat(root, "2026/11/css")
    finally:
        server.shutdown()
    assert hits == []
    assert str(server.server_port) not in rendition.payload["content"]


# --- images ------------------------------------------------------------------------------------

def test_output_images_have_orientation_applied_and_no_exif(tmp_path):
    photo = jpeg(300, 200, exif=gps_exif(6))
    assert Image.open(io.BytesIO(photo)).getexif().get(0x8825)  # the source does carry GPS
    root = make_root(tmp_path, "2026/11/gps", FRONT, "![现场](photo.jpg)\n", {"photo.jpg": photo})
    _, rendition, findings = wechat(root, "2026/11/gps")
    assert {a.role for a in rendition.assets} == {"body", "cover", "thumb"}
    for asset in rendition.assets:
        with Image.open(io.BytesIO(asset.data)) as im:
            assert dict(im.getexif()) == {}, asset.name
            assert "exif" not in im.info and "icc_profile" not in im.info
            assert im.height > im.width, f"{asset.name}: orientation 6 not applied"
            assert (im.width, im.height) == (asset.width, asset.height)
    assert rendition.payload["cover"].startswith("cover/")  # the first body image became the cover
    assert not [f for f in findings if f.is_error]


def test_images_meet_wechat_limits(tmp_path):
    big = jpeg(3000, 2000, noise=True, quality=95)
    assert len(big) > 1024 * 1024
    root = make_root(tmp_path, "2026/11/big", FRONT + "\ncover: big.jpg", "![大图](big.jpg)\n", {"big.jpg": big})
    _, rendition, findings = wechat(root, "2026/11/big")
    body = next(a for a in rendition.assets if a.role == "body")
    thumb = next(a for a in rendition.assets if a.role == "thumb")
    cover = next(a for a in rendition.assets if a.role == "cover")
    assert len(body.data) < 1024 * 1024 and max(body.width, body.height) <= 1080
    assert re.fullmatch(r"images/[0-9a-f]{16}\.jpg", body.name) and body.name[7:23] == body.sha256[:16]
    assert len(thumb.data) < 64 * 1024 and thumb.media_type == "image/jpeg"
    assert cover.media_type == "image/jpeg" and max(cover.width, cover.height) <= 1280
    assert f'src="asset:{body.name}"' in rendition.payload["content"]
    assert not [f for f in findings if f.is_error], [str(f) for f in findings]


def test_png_stays_png_and_crop_boxes_follow_the_focus():
    _, rendition, _ = wechat(FIXTURE_ROOT, FULL)
    png = next(a for a in rendition.assets if a.source == "chart.png")
    assert png.media_type == "image/png" and png.name.endswith(".png")
    cover = rendition.asset(rendition.payload["cover"])
    for key, ratio in (("pic_crop_235_1", 2.35), ("pic_crop_1_1", 1.0)):
        x1, y1, x2, y2 = map(float, rendition.payload[key].split("_"))
        assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
        assert abs((x2 - x1) * cover.width / ((y2 - y1) * cover.height) - ratio) < 0.01
    # cover_focus [0.5, 0.4] on a 1200×800 picture: the 2.35 strip is centred at y = 0.4
    x1, y1, x2, y2 = map(float, rendition.payload["pic_crop_235_1"].split("_"))
    assert abs((y1 + y2) / 2 - 0.4) < 1e-3


def test_bad_images_are_findings_not_exceptions(tmp_path):
    root = tmp_path / "root"
    import shutil

    shutil.copytree(FIXTURE_ROOT, root)
    (tmp_path / "secret.jpg").write_bytes(jpeg(50, 50))
    (root / "items/2026/11/bad-images/link-out.jpg").symlink_to(tmp_path / "secret.jpg")
    item, rendition, findings = wechat(root, "2026/11/bad-images")
    by_line = {(f.code, f.line) for f in findings}
    body = item.body_line
    assert by_line == {
        ("wechat-image-decode", body + 2), ("wechat-image-missing", body + 4),
        ("wechat-image-path", body + 6), ("wechat-image-path", body + 8), ("wechat-image-path", body + 10),
    }
    assert [a.source for a in rendition.assets if a.role == "body"] == ["ok.jpg"]
    assert "secret" not in json.dumps(rendition.payload)


def test_missing_cover_is_an_error():
    _, rendition, findings = wechat(FIXTURE_ROOT, "2026/11/no-cover", "wx-main")
    assert rendition.payload["cover"] is None and rendition.payload["thumb"] is None
    assert "wechat-cover-missing" in {f.code for f in findings if f.is_error}


# --- limits: reported, never cut ---------------------------------------------------------------

def test_too_long_title_is_reported_with_the_excess_not_cut():
    item, rendition, findings = wechat(FIXTURE_ROOT, "2026/11/no-cover")
    assert rendition.payload["title"] == item.meta.title and len(item.meta.title) == 40
    title = next(f for f in findings if f.code == "wechat-title-too-long")
    assert title.is_error and title.message.startswith("微信标题超出 32 字上限 8 字") and title.line == 2
    author = next(f for f in findings if f.code == "wechat-author-too-long")
    assert "16 字上限 1 字" in author.message


def test_override_title_and_digest(tmp_path):
    long_digest = "摘" * 130
    front = FRONT + f"\ncover: c.jpg\ntargets:\n  wechat:\n    title: 短标题\n    digest: {long_digest}\n"
    root = make_root(tmp_path, "2026/11/o", front, "正文。\n", {"c.jpg": jpeg(300, 200)})
    _, rendition, findings = wechat(root, "2026/11/o")
    assert rendition.payload["title"] == "短标题" and rendition.payload["digest"] == long_digest
    digest = next(f for f in findings if f.code == "wechat-digest-too-long")
    assert "128 字上限 2 字" in digest.message and digest.line == 10


def test_derived_digest_is_cut_on_sentence_or_character_boundaries():
    sentences = "数据工作推进会召开。" * 20
    digest = derive_digest(sentences)
    assert 54 <= len(digest) <= 120 and digest.endswith("。")
    family = "👨\u200d👩\u200d👧"  # one grapheme of five code points
    text = "甲" * 117 + family + "乙" * 50
    cut = derive_digest(text)
    assert cut.endswith("…") and family not in cut[:-1] and "\u200d" not in cut
    assert derive_digest("短正文。") == "短正文。"


def test_body_over_the_limit_is_reported(tmp_path):
    body = "\n\n".join(f"第 {i} 段：" + "很长的正文内容。" * 30 for i in range(120))
    root = make_root(tmp_path, "2026/11/long", FRONT + "\ncover: c.jpg", body, {"c.jpg": jpeg(300, 200)})
    _, rendition, findings = wechat(root, "2026/11/long")
    over = next(f for f in findings if f.code == "wechat-body-too-long")
    excess = len(rendition.payload["content"]) - 20000
    assert f"超出 20000 字符上限 {excess} 字符" in over.message
    assert "第 119 段" in rendition.payload["content"]  # nothing was cut


@pytest.mark.parametrize(("levels", "reported"), [(200, False), (300, True)])
def test_nesting_past_the_limit_is_reported_with_its_depth(tmp_path, levels, reported):
    body = "<blockquote>" * levels + "深处的文字" + "</blockquote>" * levels + "\n"
    root = make_root(tmp_path, "2026/11/deep", FRONT + "\ncover: c.jpg", body, {"c.jpg": jpeg(300, 200)})
    _, rendition, findings = wechat(root, "2026/11/deep")
    deep = [f for f in findings if f.code == "wechat-too-deep"]
    assert "深处的文字" in rendition.payload["content"]
    if reported:
        assert len(deep) == 1 and "（301 层，上限 256 层）" in deep[0].message  # and the article's section
        assert "style=" not in rendition.payload["content"].split("深处")[0][-200:]  # not inlined
    else:
        assert deep == []


# --- determinism -------------------------------------------------------------------------------

def test_same_item_same_bytes_with_and_without_cache(tmp_path):
    _, first, _ = wechat(FIXTURE_ROOT, FULL)
    cache = ImageCache(tmp_path / "cache")
    _, cached, _ = wechat(FIXTURE_ROOT, FULL, cache=cache)
    _, again, _ = wechat(FIXTURE_ROOT, FULL, cache=cache)
    assert first == cached == again
    assert first.content_hash == cached.content_hash == again.content_hash
    assert any((tmp_path / "cache").rglob("*.meta"))


def test_content_hash_is_the_same_in_another_process():
    script = (
        "from pathlib import Path\n"
        "from publisher.content.matrix import load_matrix\n"
        "from publisher.content.loader import load_item\n"
        "from publisher.render.renditions import render_item\n"
        f"root = Path({str(FIXTURE_ROOT)!r})\n"
        "m = load_matrix(root)\n"
        f"item, _ = load_item(root / 'items' / {FULL!r} / 'index.md', root, m)\n"
        "print(render_item(item, m, m.account('wx-main')).content_hash)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    _, rendition, _ = wechat(FIXTURE_ROOT, FULL)
    assert other.stdout.strip() == rendition.content_hash


# --- hostile input -----------------------------------------------------------------------------

def test_xss_corpus_leaves_nothing_active_in_the_content():
    _, rendition, findings = wechat(FIXTURE_ROOT, XSS)
    content = rendition.payload["content"]
    tree = lxml.html.fragment_fromstring(content, create_parent="div")
    markup = re.sub(r">[^<]*<", "><", content).lower()  # tags only, text removed
    for needle in HOSTILE_TAGS:
        assert needle not in markup, needle
    for element in tree.iter():
        assert not [k for k in element.attrib if k.lower().startswith("on")]
        for value in element.attrib.values():
            assert not any(bad in value.lower() for bad in HOSTILE_VALUES), value
    assert all(img.get("src", "").startswith("asset:") for img in tree.iter("img"))
    assert [a.get("href") for a in tree.iter("a")] == ["https://mp.weixin.qq.com/s/ok"]
    remote = {f.message for f in findings if f.code == "wechat-remote-image"}
    assert any("https://evil.example.com/track.png" in m for m in remote)
    assert any("//evil.example.com/x.png" in m for m in remote)


def test_every_fixture_item_renders_without_raising():
    items, matrix = all_items(FIXTURE_ROOT)
    for item in items:
        for account in matrix.accounts_for("wechat"):
            rendition, findings = render_and_check(item, matrix, account)
            assert rendition.payload["content"].startswith("<section")
