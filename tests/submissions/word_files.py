"""Real .docx files for the intake tests, written by python-docx (what Word would save), with a
footnote added the way Word stores one (python-docx has no footnote API: the part is written
into the package by hand)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Inches
from PIL import Image

GPS_TAG = 0x8825


def photo_with_gps() -> bytes:
    """A JPEG carrying GPS coordinates and a camera model in its EXIF."""
    image = Image.new("RGB", (320, 200), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "TestCam 9000"  # Model
    exif[GPS_TAG] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def full_document(path: Path) -> Path:
    doc = Document()
    doc.add_heading("市数据局推进政务数据共享工作取得新进展", level=1)
    doc.add_paragraph("今年以来，市数据局围绕数据共享开展了三项工作。")
    doc.add_heading("一、主要做法", level=2)
    doc.add_paragraph("建立共享目录", style="List Bullet")
    doc.add_paragraph("完善供需对接机制", style="List Bullet")
    doc.add_paragraph("第一步：摸清底数", style="List Number")
    doc.add_paragraph("第二步：按需共享", style="List Number")
    table = doc.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("指标", "数值"), ("共享目录", "1200 项"), ("调用次数", "35 万次")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    doc.add_paragraph("现场照片如下。")
    doc.add_picture(io.BytesIO(photo_with_gps()), width=Inches(3))
    doc.add_paragraph("数据来源为市大数据平台。")
    doc.save(path)
    return add_footnote(path, "数据来源为市大数据平台。", "统计截至 2026 年 11 月底。")


FOOTNOTES_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>
</w:footnotes>"""


def add_footnote(path: Path, after_text: str, note: str) -> Path:
    """Put footnote 1 (`note`) after the run whose text is `after_text`."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    document = parts["word/document.xml"].decode()
    marker = f"<w:t>{after_text}</w:t></w:r>"
    assert marker in document, "the paragraph to annotate"
    document = document.replace(marker, marker + '<w:r><w:footnoteReference w:id="1"/></w:r>', 1)
    parts["word/document.xml"] = document.encode()
    parts["word/footnotes.xml"] = FOOTNOTES_XML.format(text=note).encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdFoot1" Type="http://schemas.openxmlformats.org/'
                        'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    parts["word/_rels/document.xml.rels"] = rels.encode()
    types = parts["[Content_Types].xml"].decode()
    types = re.sub("</Types>", '<Override PartName="/word/footnotes.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>', types)
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path
