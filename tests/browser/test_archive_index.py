"""The archive's index page as an archivist opens it: from file://, offline, in a real browser.
It lists every publication, its links lead to files that exist, and nothing is loaded from
anywhere (no script, no request the Content-Security-Policy would block)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from headless_chromium import Chromium, chromium_or_skip
from PIL import Image, ImageStat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archive_fixtures import APP_SECRET, published_quarter, run_cli  # noqa: E402
from checks.signoff_repo import require_ssh_keygen  # noqa: E402

from channels.sandbox_faults import FaultSettings  # noqa: E402
from channels.sandbox_server import start_sandbox  # noqa: E402
from channels.wechat.sandbox import WeChatSandboxConfig  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LINKS = "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    chromium_or_skip()
    keygen = require_ssh_keygen()
    base = tmp_path_factory.mktemp("archive-browser")
    sandbox = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.1, secret=APP_SECRET),
                            faults=FaultSettings())
    try:
        world = published_quarter(base, keygen, sandbox.url)
        assert run_cli(world.env, "run", "--once").exit_code == 0
        result = run_cli(world.env, "archive", "--quarter", world.quarter(), "--out", str(base / "archive"))
        assert result.exit_code == 0, result.output
        yield world, base / "archive"
    finally:
        sandbox.stop()


def test_index_page_shows_every_publication_offline(archive):
    world, folder = archive
    with Chromium() as browser:
        page = browser.open(folder / "index.html", width=1280, height=900)
        try:
            assert page.evaluate("document.title").endswith("发布归档")
            assert page.evaluate("document.querySelectorAll('#overview tbody tr').length") == 6
            text = page.evaluate("document.body.innerText")
            for n in range(2):
                assert f"第{n}号" in text  # both titles
            for words in ("测试公众号", "测试微博", "测试门户网站", "周敏", "陈立群", "刘振华", "签名有效", "已在 测试公众号（wx-main） 发布成功"):
                assert words in text, words
            assert page.evaluate("document.scripts.length") == 0
            links = page.evaluate(LINKS)
            local = [href for href in links if not href.startswith("#")]
            assert local and all((folder / href).is_file() for href in local), local
            assert not [href for href in links if "://" in href]
            assert page.errors() == [], page.console
            with Image.open(io.BytesIO(page.screenshot())) as shot:
                assert ImageStat.Stat(shot.convert("L")).stddev[0] > 20  # something is drawn
            # A link opens the archived file itself (the body as the channel received it).
            body = next(href for href in local if href.endswith("/content.html"))
            opened = browser.open(folder / body)
            try:
                assert "会议指出" in opened.evaluate("document.body.innerText")
            finally:
                opened.close()
        finally:
            page.close()
