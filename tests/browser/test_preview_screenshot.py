"""The preview page in a real browser: it draws, every image loads from the file, nothing
complains, and the hostile item shows no dialog and trips no Content-Security-Policy error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from headless_chromium import Chromium, chromium_or_skip
from PIL import Image, ImageStat

from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix
from publisher.office.preview import write_preview

FIXTURE_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "render_content"
ALL_IMAGES_LOADED = "[...document.images].every(i => i.complete && i.naturalWidth > 0)"

pytestmark = pytest.mark.browser


def preview_file(tmp_path: Path, item_id: str) -> Path:
    matrix = load_matrix(FIXTURE_ROOT)
    item, _ = load_item(FIXTURE_ROOT / "items" / item_id / "index.md", FIXTURE_ROOT, matrix)
    return write_preview(item, matrix, tmp_path / f"{item_id.replace('/', '-')}.html")


@pytest.fixture(scope="module")
def browser():
    chromium_or_skip()
    with Chromium() as running:
        yield running


def test_preview_renders_with_all_images_and_no_errors(tmp_path, browser):
    page = browser.open(preview_file(tmp_path, "2026/11/full-article"), width=1500, height=1000)
    try:
        assert page.evaluate("document.images.length") == 4  # 2 in the article, share cover, Weibo picture
        assert page.evaluate("document.querySelectorAll('iframe[sandbox][srcdoc]').length") == 1  # site page
        assert page.evaluate(ALL_IMAGES_LOADED) is True
        assert page.evaluate("document.querySelectorAll('.target').length") == 3
        phone = page.evaluate("document.querySelector('.phone').getBoundingClientRect().width")
        assert 375 <= phone <= 400
        png = page.screenshot()
        with Image.open(io.BytesIO(png)) as shot:
            assert shot.size == (1500, 1000)
            spread = ImageStat.Stat(shot.convert("L")).stddev[0]
        assert spread > 20, f"screenshot looks blank (grey-level stddev {spread:.1f})"
        assert page.errors() == [] and page.dialogs == []
    finally:
        page.close()


def test_hostile_item_preview_runs_nothing(tmp_path, browser):
    page = browser.open(preview_file(tmp_path, "2026/11/xss-corpus"))
    try:
        assert page.dialogs == []
        assert page.errors() == [], page.console  # a CSP violation would be logged as an error
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("document.querySelectorAll('object, embed, svg, form, iframe:not([sandbox=\"\"])').length") == 0
        assert page.evaluate(ALL_IMAGES_LOADED) is True
        title = page.evaluate("document.querySelector('header h1').textContent")
        assert title == '测试<script>alert("t")</script>标题'  # shown as text, not run
    finally:
        page.close()


def test_the_helper_reports_what_a_bad_page_does(browser):
    """The checks above mean something only if the helper does see dialogs, errors, exceptions."""
    page = browser.open("data:text/html,<script>alert('x');console.error('bad');throw new Error('boom')</script>")
    try:
        assert page.dialogs == ["x"]
        assert "bad" in page.errors()[0] and "boom" in page.errors()[1]
    finally:
        page.close()
