"""The article page: golden files, responsive images without EXIF, headings, typography and
accessibility markup, purity, and Chinese errors for bad items."""

from __future__ import annotations

import dataclasses
import io
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from site_fixtures import FIXTURE_ROOT, GOLDEN, write_item

from channels.site import theme
from channels.site.render import Entry, SiteRenderError, render_article
from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix

GOLDEN_PAGES = {
    "article.html": "news/2026/11/city-meeting.html",
    "column.html": "news/index.html",
    "column-page-2.html": "news/page/2.html",
    "home.html": "index.html",
}


def load(root, item_id):
    matrix = load_matrix(root)
    item, findings = load_item(root / "items" / item_id / "index.md", root, matrix)
    assert item is not None, findings
    return item, matrix


MEDIA_NAME = re.compile(r"media/[0-9a-f]{2}/[0-9a-f]{12}-")


@pytest.mark.parametrize("golden", sorted(GOLDEN_PAGES))
def test_pages_match_golden_files(fixture_site, golden):
    # Picture names are hashes of encoded bytes (libjpeg-dependent): compare the markup around them.
    built = MEDIA_NAME.sub("media/…-", (fixture_site.out / GOLDEN_PAGES[golden]).read_text(encoding="utf-8"))
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(built, encoding="utf-8")
    assert built == path.read_text(encoding="utf-8"), f"{golden} 与金标准不同；确认后用 UPDATE_GOLDEN=1 更新"


def test_render_is_pure_and_deterministic():
    item, matrix = load(FIXTURE_ROOT, "2026/11/city-meeting")
    first, second = render_article(item, matrix), render_article(item, matrix)
    assert first.html == second.html
    assert [(a.name, a.sha256) for a in first.assets] == [(a.name, a.sha256) for a in second.assets]


def test_images_are_responsive_and_stripped_of_exif():
    item, matrix = load(FIXTURE_ROOT, "2026/11/city-meeting")
    page = render_article(item, matrix)
    cover = re.search(r'<figure class="cover">\s*(<img[^>]+>)', page.html)[1]
    # The cover photo is 1800x1200 stored with orientation 6: upright it is 1200 wide, 1800 high.
    assert 'width="1200" height="1800"' in cover
    assert re.search(r'srcset="[^"]*480w, [^"]*960w, [^"]*1200w"', cover)
    assert 'sizes="' in cover and 'alt="全市数据工作推进会召开"' in cover
    assert 'loading="lazy"' not in cover  # the cover is above the fold
    body_img = re.search(r'<div class="article-body">.*?(<img[^>]+>)', page.html, re.S)[1]
    assert 'loading="lazy"' in body_img and 'alt="会场外景"' in body_img and 'title="街景"' in body_img
    assert 'width="700" height="400"' in body_img
    for asset in page.assets:
        with Image.open(io.BytesIO(asset.data)) as im:
            assert (im.width, im.height) == (asset.width, asset.height)
            exif = im.getexif()
            assert not exif and not exif.get_ifd(0x8825), asset.name
            assert "exif" not in im.info and "icc_profile" not in im.info
        assert b"TestCam" not in asset.data and b"GPS" not in asset.data
        assert re.fullmatch(r"media/[0-9a-f]{2}/[0-9a-f]{12}-\d+\.(jpg|png)", asset.name)
    assert any(a.media_type == "image/png" for a in page.assets)  # transparency kept as PNG


def test_headings_start_below_the_page_title_and_alignment_uses_classes():
    item, matrix = load(FIXTURE_ROOT, "2026/11/city-meeting")
    html = render_article(item, matrix).html
    assert html.count("<h1>") == 1 and "<h2>会议部署四项重点任务</h2>" in html and "<h3>主要指标</h3>" in html
    assert "style=" not in html and 'class="align-right"' in html


def test_page_frame_typography_and_accessibility():
    item, matrix = load(FIXTURE_ROOT, "2026/11/city-meeting")
    html = render_article(item, matrix).html
    assert '<html lang="zh-CN">' in html
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert 'aria-label="栏目导航"' in html and 'aria-current="page">工作动态' in html
    assert "<script" not in html
    assert "default-src &#39;none&#39;" not in html and "default-src 'none'" in html
    footer = html[html.index('<footer class="article-footer">'):]
    assert "<dt>报送单位</dt><dd>办公室</dd>" in footer and "<dt>作者</dt><dd>王小明</dd>" in footer
    assert '<time datetime="2026-11-20T09:00+08:00">2026年11月20日 09:00</time>' in footer
    css = theme.stylesheet().decode()
    assert "line-height: 1.8" in css and "max-width: 40em" in css and "Noto Sans CJK SC" in css
    assert "justify" not in css.replace("text-align: start", "") and ":focus-visible" in css


def test_bad_images_raise_chinese_errors(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text((FIXTURE_ROOT / "publisher.toml").read_text(), encoding="utf-8")
    front = "title: 坏图片\nauthor: 甲\ndepartment: 办公室\npublish_at: 2026-11-01 09:00"
    cases = {
        "missing": ("![图](gone.jpg)", {}, "找不到图片"),
        "remote": ("![图](https://evil.example/x.jpg)", {}, "远程图片"),
        "escape": ("![图](../other/x.jpg)", {}, "不在条目文件夹内"),
        "corrupt": ("![图](bad.jpg)", {"bad.jpg": b"not an image at all"}, "无法识别"),
    }
    for name, (body, files, expected) in cases.items():
        write_item(root, f"2026/11/{name}", front, body + "\n", files)
        item, matrix = load(root, f"2026/11/{name}")
        with pytest.raises(SiteRenderError, match=expected):
            render_article(item, matrix)


def test_front_matter_is_escaped_everywhere(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text((FIXTURE_ROOT / "publisher.toml").read_text(), encoding="utf-8")
    write_item(root, "2026/11/nasty", """
title: '标题<script>alert(1)</script>'
author: '<b onmouseover=alert(1)>作者</b>'
department: '"><svg onload=alert(1)>'
summary: '摘要</p><img src=x onerror=alert(1)>'
publish_at: 2026-11-01 09:00
tags: ['<i>标签</i>']
""", "正文。\n")
    item, matrix = load(root, "2026/11/nasty")
    html = render_article(item, matrix).html
    for raw in ("<script>alert", "<b onmouseover", "<svg onload", "<img src=x", "<i>标签"):
        assert raw not in html
    assert "标题&lt;script&gt;alert(1)&lt;/script&gt;" in html


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.builds(Entry, tags=st.lists(st.text(max_size=4), max_size=3), expires=st.none() | st.text(max_size=8)))
def test_entry_to_dict_is_asdict(entry):
    # Every field (a new one included: st.builds fills it), in field order, the tags a copy.
    as_dict = entry.to_dict()
    assert as_dict == dataclasses.asdict(entry) and list(as_dict) == list(dataclasses.asdict(entry))
    assert as_dict["tags"] is not entry.tags
