"""The XSS corpus in a real browser: pages served over HTTP on 127.0.0.1 and opened in headless
Chromium, as built and again with the Content-Security-Policy removed (the sanitizer alone must
hold). No dialog opens, no script runs, nothing executable is left in the DOM."""

from __future__ import annotations

import functools
import re
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "browser"))
from headless_chromium import Chromium, chromium_or_skip  # noqa: E402

pytestmark = pytest.mark.browser

INSPECT = """(() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + ' ' + a.name);
      if (/^\\s*(javascript|vbscript|data):/i.test(a.value)) bad.push(el.tagName + ' ' + a.name + '=' + a.value);
      if (a.name === 'style') bad.push(el.tagName + ' style');
    }
  }
  const active = 'script,iframe,object,embed,svg,math,style,base,form,meta[http-equiv=refresh],noscript,details';
  return {pwned: document.documentElement.getAttribute('data-pwned'),
          scripts: document.scripts.length, active: document.querySelectorAll(active).length, bad,
          title: document.title};
})()"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    chromium_or_skip()
    with Chromium() as running:
        yield running


def serve(folder: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def pages_of(out: Path) -> list[str]:
    return sorted("/" + p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def check_pages(browser, out: Path) -> None:
    server = serve(out)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for path in pages_of(out):
            page = browser.open(base + path, width=1000, height=800)
            try:
                found = page.evaluate(INSPECT)
                assert page.dialogs == [], f"{path}: dialog {page.dialogs}"
                assert page.exceptions == [], f"{path}: {page.exceptions}"
                assert found["pwned"] is None, f"{path}: script ran ({found['pwned']})"
                assert found["scripts"] == 0 and found["active"] == 0 and found["bad"] == [], f"{path}: {found}"
            finally:
                page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_corpus_builds_every_hostile_item(xss_site):
    assert xss_site.report.problems == []
    assert len([p for p in pages_of(xss_site.out) if "/xss-" in p]) == 10


def test_no_script_runs_with_the_csp(browser, xss_site):
    check_pages(browser, xss_site.out)


def test_no_script_runs_even_without_the_csp(browser, xss_site, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(xss_site.out, bare)
    for page in bare.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", text)
        assert stripped != text
        page.write_text(stripped, encoding="utf-8")
    check_pages(browser, bare)


def test_the_csp_really_blocks_scripts(browser, xss_site, tmp_path):
    """The checker itself: a page with our CSP and a planted inline script must not run it, and
    the same page without the CSP must (so a pass above means something)."""
    planted = tmp_path / "planted"
    shutil.copytree(xss_site.out, planted)
    page_file = planted / "index.html"
    text = page_file.read_text(encoding="utf-8")
    marker = "<script>document.documentElement.setAttribute('data-pwned','planted')</script></body>"
    page_file.write_text(text.replace("</body>", marker), encoding="utf-8")
    (planted / "nocsp.html").write_text(
        re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", text).replace("</body>", marker),
        encoding="utf-8")
    server = serve(planted)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with_csp = browser.open(base + "/index.html")
        assert with_csp.evaluate("document.documentElement.getAttribute('data-pwned')") is None
        with_csp.close()
        without = browser.open(base + "/nocsp.html")
        assert without.evaluate("document.documentElement.getAttribute('data-pwned')") == "planted"
        without.close()
    finally:
        server.shutdown()
        server.server_close()
