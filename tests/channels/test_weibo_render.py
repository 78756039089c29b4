"""Weibo rendering: Weibo's length count, text and link, limits reported, picture, golden files."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from PIL import Image
from render_fixtures import FIXTURE_ROOT, REPO, assert_golden, content_items, load, make_root

from channels.weibo.length import fit, weibo_length
from publisher.content.targets import targets_for
from publisher.content.urls import article_url
from publisher.render.renditions import channel_for, render_and_check

FRONT = "title: 微博测试\nauthor: 测试\ndepartment: 测试处\npublish_at: 2026-11-20 09:00"


def weibo(root, item_id, account="wb-main"):
    item, matrix = load(root, item_id)
    rendition, findings = render_and_check(item, matrix, matrix.account(account))
    return item, matrix, rendition, findings


def picture(fmt: str = "JPEG", size=(800, 600), exif: bool = False) -> bytes:
    im = Image.new("RGB", size, (20, 120, 200))
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x0112] = 8
        data[0x8825] = {1: "N", 2: (31.0, 1.0, 2.0)}
        extra["exif"] = data.tobytes()
    im.save(out, fmt, **extra)
    return out.getvalue()


# --- length ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("abc", 2),  # 1.5 rounds up
        ("abcd", 2),
        ("é", 1),  # U+00E9 is still in U+0000..U+00FF: 0.5
        ("你好世界", 4),
        ("a你", 2),  # 0.5 + 1
        ("😀", 2),  # beyond the BMP
        ("😀a", 3),  # 2.5 rounds up
        ("，。！", 3),  # full-width punctuation is BMP
    ],
)
def test_length_counts_like_weibo(text, expected):
    assert weibo_length(text) == expected


def test_links_count_a_fixed_weight():
    long = "https://www.example.gov.cn/" + "x" * 200 + "?a=1&b=2"
    assert weibo_length(long, url_weight=20) == 20
    assert weibo_length(f"看 {long}", url_weight=20) == 22  # 1 + 0.5 + 20, rounded up
    assert weibo_length(f"{long} {long}", url_weight=11) == 23
    assert weibo_length("https://a.cn/x中文", url_weight=10) == 12  # a CJK character ends the link
    assert weibo_length("http://a.cn", url_weight=0) == 0


def test_fit_cuts_derived_text_within_budget():
    assert fit("短句", 10) == "短句"
    cut = fit("一二三四五六七八九十", 5)
    assert cut == "一二三四…" and weibo_length(cut) <= 5


# --- text and payload --------------------------------------------------------------------------

def test_payload_is_title_summary_and_site_link():
    item, matrix, rendition, findings = weibo(FIXTURE_ROOT, "2026/11/full-article")
    url = article_url(item, matrix)
    assert set(rendition.payload) == {"text", "length", "limit", "url"}
    assert rendition.payload["text"] == f"【{item.meta.title}】{item.meta.summary} {url}"
    assert rendition.payload["url"] == url == "https://www.example.gov.cn/news/2026/11/full-article.html"
    assert rendition.payload["length"] == weibo_length(rendition.payload["text"]) <= 140  # link: own 57 chars
    assert rendition.payload["limit"] == 140
    assert findings == []


def test_without_summary_the_derived_part_is_shortened_to_fit(tmp_path):
    body = "市数据局召开会议，研究部署下一阶段公共数据开放工作。" * 20
    root = make_root(tmp_path, "2026/11/d", FRONT, body)
    _, _, rendition, findings = weibo(root, "2026/11/d")
    assert rendition.payload["text"].startswith("【微博测试】市数据局召开会议")
    assert "…" in rendition.payload["text"]
    assert rendition.payload["length"] <= 140 and rendition.payload["length"] >= 130
    assert findings == []


def test_editor_text_over_the_limit_is_reported_not_cut():
    item, _, rendition, findings = weibo(FIXTURE_ROOT, "2026/11/no-cover")
    assert rendition.payload["text"].startswith(item.meta.targets["weibo"].text)
    length = rendition.payload["length"]
    assert length == 168  # 162 with the link counted 20; its own 55 characters count 28
    (over,) = [f for f in findings if f.code == "weibo-too-long"]
    assert over.is_error and over.message.startswith("微博正文 168 字，超出 140 字上限 28 字（链接按其本身字数计、至少 20 字）")
    assert over.line == 8  # targets.weibo.text


def test_limit_and_url_weight_come_from_the_account(tmp_path):
    extra = ('[[accounts]]\nid = "wb-short"\nname = "短微博"\nchannel = "weibo"\ndefault = false\n'
             '[accounts.options]\ntext_limit = 30\nurl_weight = 12\n')
    front = FRONT + "\ntargets:\n  weibo:\n    text: 【微博测试】这是一条正好超出上限的编辑正文，共二十八字。\n"
    root = make_root(tmp_path, "2026/11/w", front, "正文。\n", toml_extra=extra)
    _, _, rendition, findings = weibo(root, "2026/11/w", "wb-short")
    assert rendition.payload["limit"] == 30
    assert rendition.payload["length"] == 28 + 1 + 12  # text, the space (0.5, rounded with the rest), link
    assert any(f.code == "weibo-too-long" and "超出 30 字上限 11 字" in f.message for f in findings)


def test_link_off_the_safe_domain_is_an_error(tmp_path):
    extra = ('[[accounts]]\nid = "wb-other"\nname = "另一微博"\nchannel = "weibo"\ndefault = false\n'
             '[accounts.options]\nsafe_domain = "other.gov.cn"\n'
             '[[accounts]]\nid = "wb-parent"\nname = "上级域名"\nchannel = "weibo"\ndefault = false\n'
             '[accounts.options]\nsafe_domain = "example.gov.cn"\n')
    root = make_root(tmp_path, "2026/11/s", FRONT, "正文。\n", toml_extra=extra)
    _, _, _, findings = weibo(root, "2026/11/s", "wb-other")
    assert [f.code for f in findings] == ["weibo-no-safe-link"]
    assert "other.gov.cn" in findings[0].message
    _, _, _, findings = weibo(root, "2026/11/s", "wb-parent")  # www.example.gov.cn is under it
    assert findings == []


# --- picture -----------------------------------------------------------------------------------

def test_picture_is_the_cover_without_metadata(tmp_path):
    root = make_root(tmp_path, "2026/11/p", FRONT + "\ncover: c.jpg", "![图](b.png)\n",
                     {"c.jpg": picture(exif=True), "b.png": picture("PNG")})
    _, _, rendition, findings = weibo(root, "2026/11/p")
    (asset,) = rendition.assets
    assert asset.role == "picture" and asset.source == "c.jpg" and asset.media_type == "image/jpeg"
    assert len(asset.data) < 5 * 1024 * 1024
    with Image.open(io.BytesIO(asset.data)) as im:
        assert dict(im.getexif()) == {} and im.size == (600, 800)  # orientation 8 applied
    assert findings == []


def test_picture_falls_back_to_the_first_local_body_image(tmp_path):
    root = make_root(tmp_path, "2026/11/q", FRONT, "![远程](https://x.example.com/a.jpg)\n\n![图](b.png)\n",
                     {"b.png": picture("PNG")})
    _, _, rendition, _ = weibo(root, "2026/11/q")
    (asset,) = rendition.assets
    assert asset.source == "b.png" and asset.media_type == "image/png" and asset.name.endswith(".png")


def test_no_picture_is_fine_and_a_broken_one_is_reported():
    _, _, rendition, findings = weibo(FIXTURE_ROOT, "2026/11/no-cover")
    assert rendition.assets == ()
    assert not [f for f in findings if f.code.startswith("weibo-image")]
    item, _, rendition, findings = weibo(FIXTURE_ROOT, "2026/11/bad-images")
    assert rendition.assets == ()
    (broken,) = findings
    assert broken.code == "weibo-image-decode" and broken.line == item.body_line + 2


# --- golden files and determinism --------------------------------------------------------------

@pytest.mark.parametrize("item_id", ["2026/11/full-article", "2026/11/no-cover", "2026/11/xss-corpus"])
def test_golden_fixture_items(item_id):
    _, _, rendition, _ = weibo(FIXTURE_ROOT, item_id)
    assert_golden("weibo", "fixture-" + item_id.replace("/", "-"), rendition)


@pytest.mark.parametrize("item_id", content_items())
def test_golden_sample_content(item_id):
    item, matrix = load(REPO / "content", item_id)
    accounts = [a for a in targets_for(item, matrix) if a.channel == "weibo"] or matrix.accounts_for("weibo")[:1]
    rendition = channel_for(accounts[0], matrix).render(item)
    assert_golden("weibo", "content-" + item_id.replace("/", "-"), rendition)


def test_content_hash_is_the_same_in_another_process():
    script = (
        "from pathlib import Path\n"
        "from publisher.content.matrix import load_matrix\n"
        "from publisher.content.loader import load_item\n"
        "from publisher.render.renditions import render_item\n"
        f"root = Path({str(FIXTURE_ROOT)!r})\n"
        "m = load_matrix(root)\n"
        "item, _ = load_item(root / 'items/2026/11/full-article/index.md', root, m)\n"
        "print(render_item(item, m, m.account('wb-main')).content_hash)\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "999"}
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    _, _, rendition, _ = weibo(FIXTURE_ROOT, "2026/11/full-article")
    _, _, again, _ = weibo(FIXTURE_ROOT, "2026/11/full-article")
    assert other.stdout.strip() == rendition.content_hash == again.content_hash
