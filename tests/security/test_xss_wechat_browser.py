"""The XSS corpus through the WeChat rendition and the preview, in headless Chromium.

The WeChat article body is shown by WeChat's own pages, which we do not control: the sanitized
rendition must be harmless on a page with no Content-Security-Policy at all. Every URL a hostile
item carries points at a canary server on 127.0.0.1 (another origin, standing for the outside
world); the page must open no dialog, run no script, throw nothing, and make the canary see no
request — neither from the browser nor from the renderer. The preview page (with its CSP, and
again with the CSP removed) is held to the same.
(tests/channels/test_wechat_render.py checks the markup; tests/channels/site/test_site_xss.py the
site pages.)
"""

from __future__ import annotations

import re
import sys
import time
from html import escape
from pathlib import Path

import pytest
from hostile_content import Canary, hostile_root

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from headless_chromium import Chromium, chromium_or_skip  # noqa: E402

from channels.preview_kit import inline_assets  # noqa: E402
from publisher.content.loader import load_item, load_items  # noqa: E402
from publisher.content.matrix import load_matrix  # noqa: E402
from publisher.content.targets import targets_for  # noqa: E402
from publisher.office.preview import build_preview  # noqa: E402
from publisher.render.renditions import channel_for  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
FIXTURE_ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "render_content"
CORPUS_ITEM = "2026/11/xss-corpus"

CANARY_BODY = """
<script>document.documentElement.setAttribute('data-pwned','script')</script>
<img src="{c}/img.png" onerror="document.documentElement.setAttribute('data-pwned','onerror')">
<img srcset="{c}/srcset.png 2x" src="cover.jpg">
<picture><source srcset="{c}/source.png"><img src="cover.jpg"></picture>
<video poster="{c}/poster.png" src="{c}/video.mp4"></video><audio src="{c}/audio.mp3"></audio>
<link rel="stylesheet" href="{c}/style.css"><link rel="prefetch" href="{c}/prefetch">
<style>@import url("{c}/import.css"); body {{ background: url("{c}/bg.png") }}</style>
<p style="background-image:url({c}/inline.png)">样式</p>
<table background="{c}/table.png"><tr><td background="{c}/td.png">表格</td></tr></table>
<iframe src="{c}/frame"></iframe><object data="{c}/object"></object><embed src="{c}/embed">
<svg><image href="{c}/svg.png"/><use href="{c}/use.svg#x"/></svg>
<meta http-equiv="refresh" content="0;url={c}/refresh"><base href="{c}/">
<form action="{c}/form"><button>提交</button></form>
<a href="{c}/link" ping="{c}/ping">外链</a>
<math><mtext><table><mglyph><style><img src="{c}/math.png" onerror="alert(1)">

![远程]({c}/markdown.png)

[链接](javascript:document.documentElement.setAttribute('data-pwned','href'))
"""

INSPECT = """(() => ({
  pwned: document.documentElement.getAttribute('data-pwned'),
  scripts: document.scripts.length,
  active: document.querySelectorAll('script,iframe:not([sandbox]),object,embed,form,meta[http-equiv],base,link').length,
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name)).map(a => e.tagName + ' ' + a.name)),
  resources: performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith('data:')),
}))()"""


@pytest.fixture(scope="module")
def browser():
    chromium_or_skip()
    with Chromium() as running:
        yield running


@pytest.fixture
def canary():
    c = Canary()
    with c.running():
        yield c


def wechat_pages(root: Path, items) -> list[str]:
    """The WeChat article body of every hostile item, as a bare page (no CSP, like WeChat's)."""
    matrix = load_matrix(root)
    pages = []
    for item in items:
        for account in targets_for(item, matrix):
            if account.channel != "wechat":
                continue
            rendition = channel_for(account, matrix).render(item)
            body = inline_assets(rendition.payload["content"], rendition)
            pages.append(f"<!doctype html><html><head><meta charset='utf-8'><title>{account.id}</title></head>"
                         f"<body><h1>{escape(str(rendition.payload.get('title', '')))}</h1>{body}</body></html>")  # fmt: skip
    return pages


def assert_harmless(browser, html_file: Path, canary: Canary) -> None:
    page = browser.open(html_file)
    try:
        time.sleep(0.3)  # late loads (lazy images, refresh) would show up by now
        found = page.evaluate(INSPECT)
        assert page.dialogs == [], page.dialogs
        assert page.exceptions == [], page.exceptions
        assert found["pwned"] is None, found
        assert found["scripts"] == 0 and found["active"] == 0 and found["handlers"] == [], found
        assert found["resources"] == [], found["resources"]
    finally:
        page.close()
    assert canary.requests == [], canary.requests


def test_wechat_rendition_of_the_corpus_is_harmless_in_a_browser(browser, canary, tmp_path):
    matrix = load_matrix(FIXTURE_ROOT)
    corpus, _ = load_item(FIXTURE_ROOT / "items" / CORPUS_ITEM / "index.md", FIXTURE_ROOT, matrix)
    pages = wechat_pages(FIXTURE_ROOT, [corpus])
    root = hostile_root(tmp_path, body=CANARY_BODY.format(c=canary.url))
    loaded = load_items(root, load_matrix(root))
    pages += wechat_pages(root, loaded.items)
    assert len(pages) == 2  # the corpus and the canary item, each on wx-main
    for i, html in enumerate(pages):
        path = tmp_path / f"wechat-{i}.html"
        path.write_text(html, encoding="utf-8")
        assert_harmless(browser, path, canary)


@pytest.mark.parametrize("strip_csp", [False, True])
def test_preview_of_hostile_items_is_harmless(browser, canary, tmp_path, strip_csp):
    root = hostile_root(tmp_path, body=CANARY_BODY.format(c=canary.url))
    matrix = load_matrix(root)
    items = load_items(root, matrix).items
    html = build_preview(items[0], matrix)
    assert canary.requests == [], "rendering the preview fetched something"
    if strip_csp:
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert stripped != html
        html = stripped
    path = tmp_path / "preview.html"
    path.write_text(html, encoding="utf-8")
    page = browser.open(path)
    try:
        time.sleep(0.3)
        assert page.dialogs == [] and page.exceptions == []
        assert page.evaluate("document.documentElement.getAttribute('data-pwned')") is None
        assert page.evaluate("document.scripts.length") == 0
    finally:
        page.close()
    assert canary.requests == [], canary.requests


def test_the_canary_would_see_a_request(browser, canary, tmp_path):
    """The checks above mean something only if a page that does load from the canary is seen."""
    path = tmp_path / "leaky.html"
    path.write_text(f'<!doctype html><img src="{canary.url}/seen.png">', encoding="utf-8")
    page = browser.open(path)
    try:
        assert any(canary.url in r for r in page.evaluate(INSPECT)["resources"])
    finally:
        page.close()
    assert canary.requests == ["/seen.png"]
