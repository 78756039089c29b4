"""A notice with three attachments, published to the site through the site channel: every link
on its page resolves — for the link inspector and for a real browser over HTTP — and retracting
the notice takes the files down with the page."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest
from headless_chromium import Chromium, chromium_or_skip

from channels.site.publishing import page_from_rendition, publish_item, retract_item
from publisher.office.inspection.links import check_links
from publisher.render.renditions import channel_for
from tests.attachment_fixtures import ATTACHMENTS, ITEM_ID, write_notice

pytestmark = pytest.mark.browser

LINKS = """[...new Set([...document.querySelectorAll('a[href], img[src], link[href]')]
  .map(e => e.href || e.src).filter(u => u.startsWith(location.origin)))]"""
# The site's pages forbid all script connections (CSP), so the links are fetched from a page of
# the same origin without that policy (the server's own 404 page), exactly as a browser asks.
FETCH_ALL = """
(async (urls) => {
  const answers = [];
  for (const url of urls) {
    const r = await fetch(url);
    const body = await r.arrayBuffer();
    answers.push([decodeURIComponent(new URL(url).pathname), r.status, body.byteLength]);
  }
  return answers;
})(%s)
"""


@pytest.fixture
def served(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "favicon.ico").write_bytes(b"")  # the web server's, not the site build's: no 404 noise
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield out, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_three_attachments_resolve_in_the_inspector_and_the_browser_and_go_with_a_retraction(tmp_path, served):
    out, base = served
    _, matrix, item = write_notice(tmp_path)
    rendition = channel_for(matrix.account("portal"), matrix).render(item)
    assert not rendition.payload.get("problem"), rendition.payload
    files = [a for a in rendition.assets if a.role == "attachment"]
    assert sorted(Path(a.name).name for a in files) == sorted(ATTACHMENTS)
    publish_item(out, matrix, page_from_rendition(rendition))

    page_path = rendition.payload["path"]
    html = (out / page_path.lstrip("/")).read_text("utf-8")
    for shown in ("附件1：案例申报表.docx", "附件2：推荐名单汇总表.xlsx", "附件3：征集工作方案.pdf"):
        assert shown in html
    report = check_links(out, matrix)
    assert report.findings == [], [f.message for f in report.findings]
    assert report.links > 0

    chromium_or_skip()
    with Chromium() as browser:
        page = browser.open(base + page_path, width=1200, height=900)
        try:
            urls = page.evaluate(LINKS)
            listed = page.evaluate("[...document.querySelectorAll('.attachments a')].map(a => a.textContent)")
            assert listed == ["附件1：案例申报表.docx", "附件2：推荐名单汇总表.xlsx", "附件3：征集工作方案.pdf"]
            assert page.evaluate("document.querySelectorAll('.article-body a[href*=\"files/\"]').length") == 3
            assert page.errors() == []
        finally:
            page.close()
        probe = browser.open(base + "/no-policy-here", width=800, height=600)
        try:
            answers = probe.evaluate(FETCH_ALL % json.dumps(urls))
            by_path = {path: (status, size) for path, status, size in answers}
            assert all(status == 200 for status, _ in by_path.values()), answers
            for asset in files:
                assert by_path["/" + asset.name] == (200, len(ATTACHMENTS[Path(asset.name).name]))
        finally:
            probe.close()

    retract_item(out, matrix, ITEM_ID)
    assert not (out / page_path.lstrip("/")).exists()
    for asset in files:
        assert not (out / asset.name).exists(), asset.name
    assert not (out / "files").exists()
    assert check_links(out, matrix).findings == []


def test_an_attachment_two_notices_share_stays_until_both_are_retracted(tmp_path):
    out = tmp_path / "site"
    _, matrix, first = write_notice(tmp_path / "a")
    rendition = channel_for(matrix.account("portal"), matrix).render(first)
    publish_item(out, matrix, page_from_rendition(rendition))
    other = rendition.payload["entry"] | {"id": "2026/11/other", "path": "/news/2026/11/other.html"}
    second = rendition.payload | {"entry": other, "path": other["path"]}
    from channels.base import Rendition

    publish_item(out, matrix, page_from_rendition(Rendition("2026/11/other", "site", "portal", second, rendition.assets)))
    shared = next(a for a in rendition.assets if a.role == "attachment")
    retract_item(out, matrix, ITEM_ID)
    assert (out / shared.name).is_file()
    retract_item(out, matrix, "2026/11/other")
    assert not (out / shared.name).exists()


def test_the_inspector_reports_an_attachment_missing_from_the_site(tmp_path):
    out = tmp_path / "site"
    _, matrix, item = write_notice(tmp_path)
    rendition = channel_for(matrix.account("portal"), matrix).render(item)
    publish_item(out, matrix, page_from_rendition(rendition))
    lost = next(a for a in rendition.assets if a.role == "attachment")
    (out / lost.name).unlink()
    findings = check_links(out, matrix).findings
    assert [f.code for f in findings] == ["link-broken"]
    assert Path(lost.name).name in findings[0].message  # the file, and the page that links it
    assert rendition.payload["path"] in findings[0].message
