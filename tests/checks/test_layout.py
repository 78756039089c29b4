"""Notice layout: blocks rendered per channel, a repeated title warned and removed by --fix,
unknown blocks named, and the site's cover shown once."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from publisher.checks.context import CheckContext
from publisher.checks.layout import check_layout
from publisher.cli import app
from publisher.render.markdown import plain_text
from publisher.render.renditions import channel_for
from tests.attachment_fixtures import BODY, write_notice


def test_blocks_render_per_channel(tmp_path):
    _, matrix, item = write_notice(tmp_path)
    site = channel_for(matrix.account("portal"), matrix).render(item).payload["html"]
    assert '<section class="notice-signature">\n<p>滨江市数据管理局<br>\n2026年11月6日</p>' in site
    assert '<section class="notice-to">' in site and '<section class="notice-attachments">' in site
    wechat = channel_for(matrix.account("wx-main"), matrix).render(item).payload["content"]
    signature = re.search(r'<p style="([^"]*)">滨江市数据管理局<br>', wechat)
    assert signature and "text-align:right" in signature.group(1).replace(" ", "")
    weibo = channel_for(matrix.account("wb-main"), matrix).render(item).payload["text"]
    assert ":::" not in weibo and "<" not in weibo
    # Digests and summaries are what the notice says, not its addressee or signature.
    assert plain_text(BODY).startswith("为总结推广") and "滨江市数据管理局" not in plain_text(BODY)


def test_repeated_title_is_a_warning_that_fix_removes(tmp_path):
    body = "\n# 关于开展2026年度数据应用优秀案例征集的通知\n\n正文第一段。\n"
    root, matrix, item = write_notice(tmp_path, body, {})
    (found,) = check_layout(item, CheckContext.build(matrix))
    assert (found.code, found.line) == ("body-title-repeated", 19)
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(root), "--fix", "--format", "json"])
    data = json.loads(result.output)
    assert data["fixed"] and not any(f["code"] == "body-title-repeated" for f in data["findings"])
    text = (item.folder / "index.md").read_text("utf-8")
    assert text.endswith("---\n\n正文第一段。\n")
    again = json.loads(runner.invoke(app, ["check", str(root), "--fix", "--format", "json"]).output)
    assert again["fixed"] == []


def test_a_different_first_heading_is_not_touched(tmp_path):
    _, matrix, item = write_notice(tmp_path, "\n## 一、征集范围\n\n正文。\n", {})
    assert check_layout(item, CheckContext.build(matrix)) == []


def test_unknown_block_names_the_ones_there_are(tmp_path):
    _, matrix, item = write_notice(tmp_path, "\n正文。\n\n::: 落 款\n滨江市数据管理局\n:::\n", {})
    (found,) = check_layout(item, CheckContext.build(matrix))
    assert found.code == "notice-unknown-block" and found.line == 21
    assert "落款" in found.message and "成文日期" in found.message


def test_site_shows_the_cover_once(tmp_path):
    _, matrix, item = write_notice(tmp_path, "\n![活动海报](cover.jpg)\n\n正文。\n", {})
    html = channel_for(matrix.account("portal"), matrix).render(item).payload["html"]
    assert '<figure class="cover">' not in html
    assert html.count("<img") == 1
    _, matrix, other = write_notice(tmp_path / "b", "\n正文。\n", {})
    html = channel_for(matrix.account("portal"), matrix).render(other).payload["html"]
    assert '<figure class="cover">' in html


def test_signature_date_in_another_form_gets_the_house_form(tmp_path):
    body = "\n正文。\n\n::: 落款\n滨江市数据管理局\n2026-11-06\n:::\n\n::: 成文日期\n二〇二六年十一月六日\n:::\n"
    _, matrix, item = write_notice(tmp_path, body, {})
    found = check_layout(item, CheckContext.build(matrix))
    assert [(f.code, f.line) for f in found] == [("notice-date-format", 23), ("notice-date-format", 27)]
    assert found[0].suggestion == "2026年11月6日" and "2026年11月6日" in found[0].message
    assert "阿拉伯数字" in found[1].message
    _, matrix, good = write_notice(tmp_path / "b")
    assert check_layout(good, CheckContext.build(matrix)) == []
