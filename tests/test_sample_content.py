"""The sample content repo in content/ loads cleanly and covers what demos and tests rely on."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from publisher.checks.context import CheckContext
from publisher.checks.typography import check_typography, markdown_edits
from publisher.content.loader import load_items
from publisher.content.matrix import load_matrix

ROOT = Path(__file__).resolve().parent.parent / "content"
REFERENCE_NOW = datetime(2026, 11, 22, tzinfo=ZoneInfo("Asia/Shanghai"))
GPS_PHOTO = ROOT / "items/2026/10/data-work-meeting/photo-gps.jpg"
IMAGE_REF = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


@pytest.fixture(scope="module")
def loaded():
    matrix = load_matrix(ROOT)
    return matrix, load_items(ROOT, matrix)


def test_loads_without_findings(loaded):
    _, result = loaded
    assert len(result.items) >= 12
    assert [str(f) for f in result.findings] == []


def test_matrix_has_every_channel(loaded):
    matrix, _ = loaded
    assert len(matrix.accounts_for("wechat")) >= 2
    assert len(matrix.accounts_for("weibo")) >= 2
    assert matrix.accounts_for("site")
    assert {c.kind for c in matrix.columns} == {"news", "notice", "policy", "other"}


def test_due_future_and_draft_items(loaded):
    _, result = loaded
    live = [i for i in result.items if not i.meta.draft]
    assert sum(i.meta.publish_at <= REFERENCE_NOW for i in live) >= 3
    assert sum(i.meta.publish_at.year >= 2027 for i in live) >= 3
    assert any(i.meta.draft for i in result.items)
    assert any(i.meta.expire_at for i in result.items)


def test_review_signoffs_complete_on_live_items(loaded):
    matrix, result = loaded
    for item in (i for i in result.items if not i.meta.draft):
        review = item.meta.review
        assert [s.stage for s in review] == matrix.review.stages, item.id
        assert len({s.by for s in review}) == len(review), item.id
        times = [s.at for s in review]
        assert times == sorted(times) and times[-1] < item.meta.publish_at, item.id


def test_targets_name_defined_accounts(loaded):
    matrix, result = loaded
    for item in result.items:
        for channel, spec in (item.meta.targets or {}).items():
            assert matrix.accounts_for(channel), (item.id, channel)
            for account_id in (spec.accounts or []) if spec else []:
                account = matrix.account(account_id)
                assert account is not None and account.channel == channel, (item.id, account_id)


def test_referenced_images_exist_and_decode(loaded):
    _, result = loaded
    seen = 0
    for item in result.items:
        names = IMAGE_REF.findall(item.body) + ([item.meta.cover] if item.meta.cover else [])
        for name in names:
            path = item.folder / name
            assert path.is_file(), (item.id, name)
            with Image.open(path) as image:
                image.verify()
            seen += 1
    assert seen >= 12


def test_gps_photo_carries_location_and_orientation():
    with Image.open(GPS_PHOTO) as image:
        exif = image.getexif()
        gps = exif.get_ifd(0x8825)
    assert exif.get(0x0112) == 6
    assert gps.get(1) == "N" and len(gps.get(2)) == 3
    assert gps.get(3) == "E" and len(gps.get(4)) == 3


def test_special_image_modes():
    items = ROOT / "items"
    with Image.open(items / "2026/11/security-training/training-cmyk.jpg") as image:
        assert image.mode == "CMYK"
    with Image.open(items / "2026/11/q3-statistics/share-chart.png") as image:
        assert image.mode == "RGBA"
        assert image.getchannel("A").getextrema()[0] == 0


def test_items_follow_the_house_style_the_guide_teaches(loaded):
    """The guide (docs/content.md), the checks doc and the samples agree: “2026年11月20日”."""
    matrix, result = loaded
    ctx = CheckContext.build(matrix)
    for item in result.items:
        assert markdown_edits(item.body, matrix.typography) == [], item.id
        assert check_typography(item, ctx) == [], item.id
        assert not re.search(r"[\u4e00-\u9fff] +\d|\d +[年月日个项余]", item.source_bytes.decode()), item.id
    guide = (ROOT.parent / "docs/content.md").read_text("utf-8")
    assert "2026年11月20日" in guide and "9 月 26 日召开" not in guide


def test_wording_is_the_office_speaking_for_itself(loaded):
    """A 局 does not write like a newspaper about itself, and sample front matter has no local
    addresses editors would copy (the 阅读原文 link is derived from the site)."""
    _, result = loaded
    for item in result.items:
        text = item.source_bytes.decode()
        for phrase in ("本报", "记者", "127.0.0.1", "localhost", "content_source_url"):
            assert phrase not in text, (item.id, phrase)
        pictures = IMAGE_REF.findall(item.body)
        if "一图读懂" in text or "图解" in item.meta.title:
            assert len(pictures) >= 1, f"{item.id}: 一图读懂 on a text-only item"


def test_content_stays_small():
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    assert total < 8 * 1024 * 1024
