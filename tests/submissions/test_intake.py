"""`publisher intake` on real .docx files made here (python-docx): headings, lists, a table, a
picture with GPS in its EXIF, a footnote; damaged, .doc and .wps files get their sentences and
leave nothing behind; adopting a submission makes a draft item the loader accepts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from PIL import Image
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.loader import load_items
from publisher.content.matrix import load_matrix
from publisher.ledger import open_ledger
from publisher.office.submissions.word import OLE_MAGIC
from tests.reports.year import write_year_matrix
from tests.submissions.word_files import full_document

runner = CliRunner()


@pytest.fixture()
def office(tmp_path, monkeypatch):
    root = write_year_matrix(tmp_path / "content")
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    return root, url, tmp_path


def intake(root: Path, file: Path, *extra: str):
    return runner.invoke(app, ["intake", str(file), "--department", "数据资源处", "--reporter", "李四",
                               "--date", "2026-11-20 10:00", "--content", str(root), *extra])  # fmt: skip


def test_a_word_file_becomes_a_submission(office):
    root, url, tmp = office
    done = intake(root, full_document(tmp / "共享工作.docx"), "--type", "经验做法")
    assert done.exit_code == 0, done.output
    assert "已收到报送 20261120-01：“市数据局推进政务数据共享工作取得新进展”（标题取自标题）" in done.output
    assert "1 张图片，1 个脚注" in done.output
    folder = root / "submissions/2026/20261120-01"
    text = (folder / "index.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: 市数据局推进政务数据共享工作取得新进展\nauthor: 李四\ndepartment: 数据资源处\n"
                           "publish_at: 2026-11-20 10:00\ndraft: true\n---\n\n今年以来")  # fmt: skip
    for part in ("## 一、主要做法", "- 建立共享目录\n- 完善供需对接机制", "1. 第一步：摸清底数\n2. 第二步：按需共享",
                 "| 指标 | 数值 |\n|---|---|\n| 共享目录 | 1200 项 |", "![图片](picture-1.jpg)",
                 "数据来源为市大数据平台。[^1]", "[^1]: 统计截至 2026 年 11 月底。"):  # fmt: skip
        assert part in text, part
    assert "# 市数据局" not in text  # the title is not repeated as a heading
    with Image.open(folder / "picture-1.jpg") as picture:
        assert picture.size == (320, 200) and dict(picture.getexif()) == {}
    assert b"TestCam" not in (folder / "picture-1.jpg").read_bytes()
    with open_ledger(url) as ledger:
        (s,) = ledger.submissions()
        assert (s.key, s.department, s.reporter, s.info_type, s.state, s.file) == (
            "20261120-01", "数据资源处", "李四", "经验做法", "submitted", "submissions/2026/20261120-01")
        assert s.submitted_at.isoformat() == "2026-11-20T02:00:00+00:00"
        assert [e.event for e in ledger.history() if e.detail.get("submission") == s.key] == ["submission-received"]


def test_adopting_makes_a_draft_item_the_loader_accepts(office):
    root, url, tmp = office
    assert intake(root, full_document(tmp / "a.docx")).exit_code == 0
    adopted = runner.invoke(app, ["submission", "adopt", "20261120-01", "--content", str(root)])
    assert adopted.exit_code == 0, adopted.output
    assert "对应稿件 items/2026/11/20261120-01" in adopted.output
    loaded = load_items(root, load_matrix(root))
    (item,) = loaded.items
    assert item.id == "2026/11/20261120-01" and item.meta.draft and item.meta.department == "数据资源处"
    assert not [f for f in loaded.findings if f.is_error], loaded.findings
    with open_ledger(url) as ledger:
        (s,) = ledger.submissions()
        assert (s.state, s.item_id) == ("adopted", "2026/11/20261120-01")
    again = runner.invoke(app, ["submission", "adopt", "20261120-01", "--content", str(root)])
    assert again.exit_code == 2 and "已存在" in again.output


def test_title_from_the_first_paragraph_without_a_heading(office):
    root, _, tmp = office
    doc = Document()
    doc.add_paragraph("区数据局召开年度工作会议")
    doc.add_paragraph("会议总结了全年工作。")
    doc.save(tmp / "无标题.docx")
    done = intake(root, tmp / "无标题.docx")
    assert done.exit_code == 0 and "“区数据局召开年度工作会议”（标题取自首段）" in done.output
    text = (root / "submissions/2026/20261120-01/index.md").read_text(encoding="utf-8")
    assert text.endswith("---\n\n会议总结了全年工作。\n")


@pytest.mark.parametrize(
    ("name", "data", "sentence"),
    [
        ("损坏.docx", b"PK\x03\x04 this is not a zip archive", "损坏.docx：文件已损坏或不是 Word 文档（.docx）"),
        ("旧版.doc", OLE_MAGIC + b"\x00" * 512, "旧版.doc：这是旧版 Word 文件（.doc），本机未安装 LibreOffice"),
        ("改名.docx", OLE_MAGIC + b"\x00" * 512, "改名.docx：这是旧版 Word 文件（.doc）"),
        ("金山.wps", OLE_MAGIC + b"\x00" * 512, "金山.wps：WPS 文字格式（.wps）无法直接读取"),
        ("表格.xlsx", b"PK\x03\x04", "只能报送 Word 文档"),
    ],
)
def test_files_that_cannot_be_read_say_why_and_leave_nothing(office, monkeypatch, name, data, sentence):
    root, url, tmp = office
    monkeypatch.setenv("PATH", str(tmp / "no-office"))  # no LibreOffice on this PATH
    (tmp / name).write_bytes(data)
    done = intake(root, tmp / name)
    assert done.exit_code == 2 and sentence in done.output.replace("\n", "")
    assert not (root / "submissions").exists()
    with open_ledger(url) as ledger:
        assert ledger.submissions() == []


def test_a_broken_part_inside_the_archive_is_damaged_too(office):
    root, _, tmp = office
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    (tmp / "坏.docx").write_bytes(buffer.getvalue())
    done = intake(root, tmp / "坏.docx")
    assert done.exit_code == 2 and "坏.docx：" in done.output and "损坏" in done.output


def test_unknown_type_lists_the_configured_ones(office):
    root, _, tmp = office
    done = intake(root, full_document(tmp / "a.docx"), "--type", "简报")
    assert done.exit_code == 2 and "未知的信息类型“简报”，可选：动态、经验做法、问题建议、舆情" in done.output
