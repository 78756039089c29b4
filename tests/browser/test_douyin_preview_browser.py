"""The 抖音 pane of the preview page in a real browser: the phone frame holds a video that the
page's Content-Security-Policy lets load, Chromium decodes its metadata (1080×1920, the planned
duration), and the page reports no error."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from headless_chromium import Chromium, chromium_or_skip

from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix
from publisher.office.preview import write_preview

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels"))
from douyin_fixtures import make_repo  # noqa: E402

pytestmark = pytest.mark.browser


def test_preview_plays_the_video_in_a_phone_frame(tmp_path):
    chromium_or_skip()
    root = tmp_path / "repo"
    make_repo(root, pictures=1, script=["第一条字幕", "第二条字幕"])
    matrix = load_matrix(root)
    item, _ = load_item(root / "items" / "2026" / "11" / "contest" / "index.md", root, matrix)
    page_file = write_preview(item, matrix, tmp_path / "preview.html")
    with Chromium() as browser:
        page = browser.open(page_file, width=1400, height=1000)
        try:
            assert page.evaluate("document.querySelectorAll('.video-frame video').length") == 1
            deadline = time.monotonic() + 20
            while page.evaluate("document.querySelector('.video-frame video').readyState") < 1:
                assert time.monotonic() < deadline, "the video's metadata never loaded"
                time.sleep(0.2)
            size = page.evaluate("[document.querySelector('.video-frame video').videoWidth,"
                                 " document.querySelector('.video-frame video').videoHeight]")
            duration = page.evaluate("document.querySelector('.video-frame video').duration")
            assert size == [1080, 1920]
            assert abs(duration - 4.0) < 0.2  # title 1 s + 2 captions + closing 1 s
            assert page.evaluate("document.querySelector('.video-frame video').error") is None
            assert not page.errors(), page.errors()
        finally:
            page.close()
