"""The dashboard: static pages from a known ledger, in headless Chromium (drawn, calendar shows
the scheduled items, nothing runs, no console errors), and served read-only on 127.0.0.1."""

from __future__ import annotations

import io
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageStat
from typer.testing import CliRunner

from publisher.cli import app
from publisher.office.dashboard import build_dashboard
from publisher.office.dashboard.builder import PAGES
from publisher.office.dashboard.server import make_server
from publisher.settings import Settings
from tests.reports.history import NOW, at, build_site_folder, history_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from headless_chromium import Chromium, chromium_or_skip  # noqa: E402

HOSTILE = '<script>alert("看板")</script>紧急通知'


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    ledger, matrix, history, root, url = history_workspace(folder)
    vid = ledger.upsert_item_version("2026/12/x", "hx", HOSTILE, department="办公室", publish_at=at(12, 20, 15))
    ledger.upsert_publication("2026/12/x", vid, "wechat", "wx-main", "rx", at(12, 20, 15), now=NOW - timedelta(hours=1))
    site = build_site_folder(folder / "site")
    out = folder / "out"
    index = build_dashboard(ledger, matrix, Settings(state_dir=folder / "state"), out, NOW, site_dir=site)
    yield index, out, ledger, matrix, root, url, folder
    ledger.close()


def test_pages_are_static_escaped_and_locked_down(built):
    index, out, *_ = built
    assert index == out / "index.html"
    assert sorted(p.name for p in out.iterdir()) == sorted([*PAGES, "dashboard.css"])
    for name in PAGES:
        html = (out / name).read_text(encoding="utf-8")
        assert "<script" not in html, name
        assert "script-src &#39;none&#39;" in html or "script-src 'none'" in html, name
    calendar = (out / "calendar.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;看板&#34;)&lt;/script&gt;紧急通知" in calendar
    board = (out / "index.html").read_text(encoding="utf-8")
    # Problems first, each with its reason and its fix.
    failed, unconfirmed, blocked = (board.index(s) for s in ("badge-failed\">失败", "结果未确认</span>", "待处理（受阻）</span>"))
    assert failed < unconfirmed < blocked < board.index("即将发布")
    assert "公众号未授权该接口" in board and "publisher retry 2026/12/a3 --account wb-main" in board
    assert "publisher retry 2026/12/a4 --account wx-main --not-posted" in board
    inspection = (out / "inspection.html").read_text(encoding="utf-8")
    assert "单项否决" in inspection and "/media/gone.jpg" in inspection
    assert (out / "report.html").read_text(encoding="utf-8").count("<svg ") == 3


def _spread(png: bytes) -> float:
    with Image.open(io.BytesIO(png)) as shot:
        return ImageStat.Stat(shot.convert("L")).stddev[0]


@pytest.mark.browser
def test_dashboard_in_headless_chromium(built):
    chromium_or_skip()
    _, out, *_ = built
    with Chromium() as browser:
        page = browser.open(out / "calendar.html", width=1400, height=1000)
        try:
            month = page.evaluate("document.querySelector('#month').innerText")
            week = page.evaluate("document.querySelector('#week').innerText")
            assert "2026 年 12 月" in month
            assert "标题 2026/12/b3" in month and "已排期" in month  # scheduled for 12-25
            assert "标题 2026/12/b4" in month and "已发布" in month
            assert HOSTILE in week and "测试公众号" in week  # scheduled today, shown as text
            assert page.evaluate("document.querySelectorAll('#d-2026-12-25 li.entry.plan').length") == 1
            assert page.evaluate("document.scripts.length") == 0 and page.dialogs == []
            assert _spread(page.screenshot()) > 20
            assert page.errors() == [], page.console
        finally:
            page.close()
        for name in ("index.html", "inspection.html", "report.html"):
            page = browser.open(out / name, width=1400, height=1000)
            try:
                assert page.evaluate("document.styleSheets.length") >= 1
                assert page.evaluate("document.querySelector('nav a[aria-current=page]').getAttribute('href')") == name
                png = page.screenshot(full_page=name == "report.html")
                assert _spread(png) > 20, f"{name} looks blank"
                assert page.errors() == [] and page.dialogs == [], (name, page.console)
            finally:
                page.close()
        page = browser.open(out / "report.html", width=1400, height=1000)
        try:
            boxes = page.evaluate("[...document.querySelectorAll('figure svg')].map(s => s.getBoundingClientRect().height)")
            assert len(boxes) == 3 and min(boxes) > 150  # the charts are drawn, not empty boxes
        finally:
            page.close()


def test_served_read_only_on_loopback_with_csp(built):
    _, out, *_ = built
    rebuilt = []
    server = make_server(out, port=0, rebuild=lambda: rebuilt.append(1), refresh_seconds=3600)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (out / "sub").mkdir(exist_ok=True)
    try:
        answer = requests.get(base + "/", timeout=10)
        assert answer.status_code == 200 and "总览" in answer.text
        assert "script-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        requests.get(base + "/calendar.html", timeout=10)
        assert rebuilt == [1]  # rebuilt once, then fresh enough
        assert requests.post(base + "/index.html", timeout=10).status_code == 501
        assert requests.get(base + "/sub/", timeout=10).status_code == 404  # no folder listings
        assert requests.get(base + "/../ledger.sqlite3", timeout=10).status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        (out / "sub").rmdir()


def test_cli_builds_the_dashboard(built, tmp_path, monkeypatch):
    *_, root, url, _ = built
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(app, ["dashboard", "--content", str(root), "--out", str(tmp_path / "d"),
                                      "--now", "2026-12-20 10:00"])  # fmt: skip
    assert result.exit_code == 0, result.output
    html = (tmp_path / "d" / "inspection.html").read_text(encoding="utf-8")
    assert "网站尚未生成" in html and "僵尸号" in html
