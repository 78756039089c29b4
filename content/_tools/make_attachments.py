"""Regenerate the sample content's attachment files (small, valid, byte-for-byte reproducible).

    python content/_tools/make_attachments.py

A minimal Word document (.docx: the three parts Word needs) written with fixed timestamps, so
rerunning gives the same bytes and the same site file names.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ITEMS = Path(__file__).resolve().parents[1] / "items"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>" for text in paragraphs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{body}</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 6, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return out.getvalue()


FILES = {
    "2026/11/platform-upgrade-notice/附件-平台升级期间业务联系表.docx": docx([
        "平台升级期间业务联系表",
        "单位名称：　　　　　　联系人：　　　　　　联系电话：",
        "依赖平台接口的业务系统：",
        "需调整执行时间的批量交换任务：",
    ]),
}


def main() -> None:
    for relative, data in FILES.items():
        path = ITEMS / relative
        path.write_bytes(data)
        print(f"{path.relative_to(ITEMS.parent)}: {len(data)} bytes")


if __name__ == "__main__":
    main()
