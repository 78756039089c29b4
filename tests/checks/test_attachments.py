"""Attachment checks on real files: types (never programs or scripts), the folder boundary,
size, safe names, bytes that match the extension, and what each channel does with them."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from publisher.checks import check_items, is_publishable
from publisher.checks.attachments import check_attachments
from publisher.checks.context import CheckContext
from publisher.content.attachments import published_attachments
from publisher.content.matrix import MatrixError, load_matrix
from publisher.render.renditions import channel_for
from tests.attachment_fixtures import ATTACHMENTS, FRONT, ITEM_ID, pdf, write_notice


def codes(item, matrix):
    return [(f.code, f.line) for f in check_attachments(item, CheckContext.build(matrix))]


def test_three_good_attachments_pass_and_are_numbered_with_name_type_and_size(tmp_path):
    root, matrix, item = write_notice(tmp_path)
    assert codes(item, matrix) == []
    report = check_items(root, matrix)
    # `check` also runs the channel checks: the notice has no picture, so WeChat would hold it for
    # its cover (tests/checks/test_channel_checks.py); nothing else may object to it.
    others = [f for f in report.errors if f.code != "wechat-cover-missing"]
    assert others == [], [str(f) for f in others]
    shown = [a.display() for a in published_attachments(item, matrix)]
    sizes = [-(-len(ATTACHMENTS[name]) // 1024) for name in ATTACHMENTS]
    assert shown == [
        f"附件1：案例申报表.docx（{sizes[0]} KB）",
        f"附件2：推荐名单汇总表.xlsx（{sizes[1]} KB）",
        f"附件3：征集工作方案.pdf（{sizes[2]} KB）",
    ]


@pytest.mark.parametrize("name,data", [
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200),
    ("tool.js", b"alert(document.cookie)"),
    ("run.bat", b"@echo off"),
    ("page.html", b"<script>alert(1)</script>"),
    ("申报表.docx.exe", b"MZ" + b"\x00" * 10),
])
def test_programs_and_scripts_are_errors_that_block_publishing(tmp_path, name, data):
    body = f"\n请下载[附件]({name})。\n"
    root, matrix, item = write_notice(tmp_path, body, {name: data})
    assert codes(item, matrix) == [("attachment-forbidden-type", 19)]
    ok, reasons = is_publishable(item, matrix)
    assert not ok and any(r.code == "attachment-forbidden-type" for r in reasons)
    assert published_attachments(item, matrix) == []  # and no channel would carry it


def test_a_renamed_program_and_a_zip_with_a_program_inside_are_refused(tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("说明.txt", "见安装程序")
        z.writestr("tools/setup.exe", b"MZ")
    files = {"方案.pdf": b"MZ\x90\x00fake", "资料.zip": archive.getvalue(), "表.xlsx": b"plain text, not a workbook"}
    body = "\n[方案](方案.pdf)、[资料](资料.zip)、[表](表.xlsx)\n"
    _, matrix, item = write_notice(tmp_path, body, files)
    found = check_attachments(item, CheckContext.build(matrix))
    assert [f.code for f in found] == ["attachment-forbidden-type", "attachment-forbidden-type",
                                       "attachment-content-mismatch"]
    assert "tools/setup.exe" in found[1].message
    assert "扩展名 .xlsx 不符" in found[2].message


def test_missing_outside_and_symlinked_out_files_are_errors(tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(pdf())
    body = "\n[缺](缺少.pdf) [上级](../../../../secret.pdf) [绝对](/etc/passwd.pdf) [链接](link.pdf)\n"
    root, matrix, item = write_notice(tmp_path, body, {})
    os.symlink(outside, item.folder / "link.pdf")
    assert [c for c, _ in codes(item, matrix)] == [
        "attachment-missing", "attachment-outside-folder", "attachment-outside-folder",
    ]  # “/etc/…” is a site path, not an attachment: it is not an attachment link at all
    assert [c for c, _ in codes(item, matrix)].count("attachment-outside-folder") == 2


def test_size_limit_and_types_come_from_publisher_toml(tmp_path):
    toml = "[attachments]\nmax_bytes = 10000\ntypes = [\"pdf\"]\n"
    _, matrix, item = write_notice(tmp_path, toml_extra=toml)
    found = check_attachments(item, CheckContext.build(matrix))
    assert [f.code for f in found] == ["attachment-type", "attachment-type", "attachment-too-large"]
    assert "上限 10 KB" in found[2].message


def test_publisher_toml_may_not_allow_programs(tmp_path):
    root, _, _ = write_notice(tmp_path)
    with open(root / "publisher.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[attachments]\ntypes = ["pdf", "exe"]\n')
    with pytest.raises(MatrixError) as caught:
        load_matrix(root)
    assert "exe" in str(caught.value)


@pytest.mark.parametrize("name", ["a|b.pdf", "CON.pdf", " 前有空格.pdf", ".hidden.pdf", "x" * 130 + ".pdf"])
def test_unsafe_file_names_are_errors(tmp_path, name):
    target = name.replace(" ", "%20").replace("|", "%7C")
    _, matrix, item = write_notice(tmp_path, f"\n[文件](<{target}>)\n", {name: pdf()})
    assert "attachment-bad-name" in [c for c, _ in codes(item, matrix)]


def test_links_in_code_and_web_links_are_not_attachments(tmp_path):
    body = "\n`[x](setup.exe)`\n\n```\n[y](tool.js)\n```\n\n[政策](https://www.gov.cn/a.pdf) [页内](#附件)\n"
    _, matrix, item = write_notice(tmp_path, body, {})
    assert codes(item, matrix) == []


def test_wechat_and_weibo_list_the_attachments_as_text_with_the_page_link(tmp_path):
    _, matrix, item = write_notice(tmp_path)
    url = f"https://www.example.gov.cn/news/{ITEM_ID}.html"
    wechat = channel_for(matrix.account("wx-main"), matrix).render(item)
    content = wechat.payload["content"]
    for line in ("附件1：案例申报表.docx", "附件2：推荐名单汇总表.xlsx", "附件3：征集工作方案.pdf", url):
        assert line in content
    assert ".docx\"" not in content and "href=\"附件" not in content  # no dead links to files
    assert wechat.payload["content_source_url"] == url
    assert all(a.role != "attachment" for a in wechat.assets)
    weibo = channel_for(matrix.account("wb-main"), matrix).render(item)
    assert "附件" in weibo.payload["text"] and weibo.payload["text"].endswith(url)
    assert weibo.payload["length"] <= weibo.payload["limit"]
    assert FRONT  # the fixture's front matter is shared with the site test


def test_a_file_name_with_spaces_written_as_a_plain_link_is_an_error_with_the_fix(tmp_path):
    body = "\n附件：[1. 案例申报表](附件1 案例申报表.docx)\n\n[链接](https://example.gov.cn \"标题\")\n`[x](a b.pdf)`\n"
    _, matrix, item = write_notice(tmp_path, body, {"附件1 案例申报表.docx": ATTACHMENTS["附件1-案例申报表.docx"]})
    (found,) = check_attachments(item, CheckContext.build(matrix))
    assert (found.code, found.line, found.col) == ("attachment-link-syntax", 19, 15)
    assert "[文字](<附件1 案例申报表.docx>)" in found.message
    fixed = (item.folder / "index.md").read_text("utf-8").replace("(附件1 案例申报表.docx)", "(<附件1 案例申报表.docx>)")
    (item.folder / "index.md").write_text(fixed, "utf-8")
    _, matrix, item = write_notice(tmp_path / "again", fixed.split("---\n", 2)[2],
                                   {"附件1 案例申报表.docx": ATTACHMENTS["附件1-案例申报表.docx"]})
    assert check_attachments(item, CheckContext.build(matrix)) == []
    assert [a.display().split("（")[0] for a in published_attachments(item, matrix)] == ["附件1：案例申报表.docx"]
