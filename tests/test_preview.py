"""The preview page: every target side by side, findings on top, self-contained, inert."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import lxml.html
import pytest
from PIL import Image
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.loader import load_item
from publisher.content.matrix import load_matrix
from publisher.office.preview import build_preview

ROOT = Path(__file__).resolve().parent / "fixtures" / "render_content"
ACTIVE_TAGS = ("script", "object", "embed", "svg", "math", "form", "input", "base", "link", "frame")


def site_frame(doc) -> lxml.html.HtmlElement:
    """The site channel's page, shown in a sandboxed <iframe srcdoc>."""
    (frame,) = doc.xpath("//iframe")
    assert frame.get("sandbox") == "" and not frame.get("src")
    return lxml.html.document_fromstring(frame.get("srcdoc"))


def assert_inert(doc) -> None:
    """No active element, handler or script URL in the page, nor in the site frame inside it."""
    assert [el.tag for el in doc.iter(*ACTIVE_TAGS)] == []
    for element in doc.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("src", "action", "formaction", "data"):
                assert value.startswith(("data:image/",)), value[:60]
            if name == "href":
                assert not value.lower().strip().startswith(("javascript:", "vbscript:", "data:")), value
    frames = doc.xpath("//iframe")
    assert len(frames) <= 1
    if frames:
        assert_inert(site_frame(doc))


def preview(item_id: str) -> tuple[str, lxml.html.HtmlElement]:
    matrix = load_matrix(ROOT)
    item, _ = load_item(ROOT / "items" / item_id / "index.md", ROOT, matrix)
    html = build_preview(item, matrix)
    return html, lxml.html.document_fromstring(html)


def test_every_target_side_by_side():
    _, doc = preview("2026/11/full-article")
    targets = doc.xpath('//div[@class="target"]')
    assert [(t.get("data-channel"), t.get("data-account")) for t in targets] == [
        ("wechat", "wx-main"), ("weibo", "wb-main"), ("site", "portal")]
    wechat, weibo, site = targets
    assert wechat.xpath('.//h1[@class="article-title"]')[0].text_content() == "市数据局部署四季度数据工作"
    assert "《公共数据开放目录》" in wechat.text_content() and "参考资料" in wechat.text_content()
    count = weibo.xpath('.//div[contains(@class, "count")]')[0]
    assert count.text_content().strip() == "92 / 140 字" and "over" not in count.get("class")
    page = site_frame(doc)
    assert "一、前三季度工作回顾" in page.text_content()
    assert page.xpath("//style") and not page.xpath("//link[@rel='stylesheet']")  # self-contained


def test_images_are_inlined_data_uris_that_decode():
    _, doc = preview("2026/11/full-article")
    sources = [img.get("src") for img in doc.iter("img")]
    assert len(sources) == 4  # 2 in the WeChat article, its share card, the Weibo picture
    sources += [img.get("src") for img in site_frame(doc).iter("img")]
    assert len(sources) >= 7
    for src in sources:
        assert src.startswith(("data:image/jpeg;base64,", "data:image/png;base64,")), src[:40]
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as im:
            im.verify()


def test_weibo_over_the_limit_is_highlighted():
    _, doc = preview("2026/11/no-cover")
    count = doc.xpath('//div[contains(@class, "count")]')[0]
    assert count.get("class") == "count over"
    assert count.text_content().strip() == "168 / 140 字，超出 28 字"
    assert "微博正文 168 字，超出 140 字上限 28 字" in doc.xpath('//section[@id="findings"]')[0].text_content()


def test_findings_are_shown_on_top():
    _, doc = preview("2026/11/bad-images")
    findings = doc.xpath('//section[@id="findings"]')[0]
    text = findings.text_content()
    assert "找不到图片“missing.jpg”" in text and "【微信公众号 · 测试公众号】" in text
    assert "items/2026/11/bad-images/index.md:" in text
    badge = doc.xpath('//span[contains(@class, "badge error")]')[0].text_content()
    assert badge.endswith("个错误") and int(badge.split()[0]) >= 5
    # the editorial checks run too (publisher.checks): this item has no review sign-offs
    assert any(code.text.startswith("review") for code in findings.xpath('.//span[@class="code"]'))


def test_page_forbids_scripts_and_the_xss_corpus_stays_inert():
    html, doc = preview("2026/11/xss-corpus")
    csp = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    assert "script-src 'none'" in csp and "default-src 'none'" in csp
    assert_inert(doc)
    wechat = doc.xpath('//div[@data-channel="wechat"]')[0]
    assert [a.get("href") for a in wechat.iter("a")] == ["https://mp.weixin.qq.com/s/ok"]
    # front matter text is shown, escaped
    assert doc.xpath("//header/h1")[0].text_content() == '测试<script>alert("t")</script>标题'
    assert '<script>alert("t")' not in html and "&lt;script&gt;" in html
    styles = [el.get("style") for el in doc.iter() if el.get("style")]
    assert not [s for s in styles if "url(" in s or re.search(r"(^|;)\s*position\s*:", s)]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(ROOT))
    return CliRunner()


def test_preview_command_writes_one_file(cli, tmp_path):
    out = tmp_path / "p.html"
    result = cli.invoke(app, ["preview", "2026/11/full-article", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.as_uri() in result.output.replace("\n", "")
    assert out.read_text("utf-8").startswith("<!doctype html>")
    assert list(tmp_path.glob("*.html")) == [out]
    assert any((tmp_path / "state" / "cache").rglob("*.meta"))  # prepared images were cached
