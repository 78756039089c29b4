"""A notice in a real browser: the 落款 and 成文日期 sit at the right on the site page and in the
WeChat phone view of the preview, 主送机关 flush left, and the 附件 listed. Also makes the
screenshot in docs/img/notice-layout.png (UPDATE_DOCS_IMAGES=1 to rewrite it)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from headless_chromium import Chromium, chromium_or_skip
from PIL import Image

from channels.site.publishing import page_from_rendition, publish_item
from publisher.office.preview import write_preview
from publisher.render.renditions import channel_for
from tests.attachment_fixtures import write_notice

pytestmark = pytest.mark.browser
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "notice-layout.png"

# Right edge of the 落款's text against the right edge of its column, and its alignment.
SIGNATURE = """(() => {
  const p = %s;
  const range = document.createRange(); range.selectNodeContents(p);
  const text = range.getBoundingClientRect(), box = p.parentElement.parentElement.getBoundingClientRect();
  return {align: getComputedStyle(p).textAlign, textLeft: text.left - box.left, gap: box.right - text.right,
          width: box.width, text: p.innerText};
})()"""


def test_signature_is_right_aligned_on_the_site_and_in_the_wechat_preview(tmp_path):
    chromium_or_skip()
    _, matrix, item = write_notice(tmp_path)
    site = channel_for(matrix.account("portal"), matrix).render(item)
    out = tmp_path / "site"
    publish_item(out, matrix, page_from_rendition(site))
    preview = write_preview(item, matrix, tmp_path / "preview.html")
    shots = []
    with Chromium() as browser:
        page = browser.open(out / site.payload["path"].lstrip("/"), width=1000, height=1400)
        try:
            found = page.evaluate(SIGNATURE % "document.querySelector('.notice-signature p')")
            assert found["align"] == "right" and found["text"] == "滨江市数据管理局\n2026年11月6日"
            assert found["textLeft"] > found["width"] / 2, found  # the text sits in the right half
            assert found["gap"] < 60, found
            to = page.evaluate("getComputedStyle(document.querySelector('.notice-to p')).textIndent")
            assert to == "0px"
            assert page.evaluate("document.querySelectorAll('.attachments li').length") == 3
            assert page.errors() == []
            shots.append(page.screenshot(full_page=True))
        finally:
            page.close()
        page = browser.open(preview, width=1500, height=1400)
        try:
            phone = "document.querySelector('.phone')"
            signature = f"[...{phone}.querySelectorAll('p')].find(p => p.innerText.startsWith('滨江市数据管理局'))"
            found = page.evaluate(SIGNATURE % signature)
            assert found["align"] == "right", found
            assert found["textLeft"] > found["width"] / 2, found
            text = page.evaluate(f"{phone}.innerText")
            assert "附件1：案例申报表.docx" in text and "附件请到门户网站下载" in text
            shots.append(page.screenshot(full_page=False))
        finally:
            page.close()
    if os.environ.get("UPDATE_DOCS_IMAGES") == "1":
        write_docs_image(shots)
    with Image.open(DOCS_IMAGE) as committed:
        assert committed.width >= 1200 and committed.height >= 600


def write_docs_image(shots: list[bytes]) -> None:
    """The site page (left) and the preview with its WeChat phone view (right), side by side."""
    site, preview = (Image.open(io.BytesIO(data)).convert("RGB") for data in shots)
    preview = preview.crop((0, 0, min(preview.width, 1500), min(preview.height, 1400)))
    height = max(site.height, preview.height)
    site = site.crop((0, 0, site.width, min(site.height, height)))
    sheet = Image.new("RGB", (site.width + preview.width + 20, height), (255, 255, 255))
    sheet.paste(site, (0, 0))
    sheet.paste(preview, (site.width + 20, 0))
    scale = 1600 / sheet.width
    sheet = sheet.resize((1600, round(sheet.height * scale)), Image.Resampling.LANCZOS)
    DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(DOCS_IMAGE, "PNG", optimize=True)
