"""A real notice with real attachment files (a .docx and .xlsx that are real zip packages, a PDF),
in a real content root with the render fixtures' publisher.toml."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from publisher.content.loader import load_item
from publisher.content.matrix import Matrix, load_matrix
from publisher.content.model import ContentItem

FIXTURE_TOML = Path(__file__).resolve().parent / "fixtures" / "render_content" / "publisher.toml"
ITEM_ID = "2026/11/case-collection"

FRONT = """---
title: 关于开展2026年度数据应用优秀案例征集的通知
author: 许晴
department: 办公室
publish_at: 2026-11-20 09:00
cover: cover.jpg
review:
  - stage: 初审
    by: 周敏
    at: 2026-11-18 09:30
  - stage: 复审
    by: 陈立群
    at: 2026-11-19 11:45
  - stage: 终审
    by: 刘振华
    at: 2026-11-19 17:00
---
"""

BODY = """
::: 主送
各区数据管理部门，局属各单位：
:::

为总结推广数据应用的好经验、好做法，现组织开展2026年度数据应用优秀案例征集，请按附件要求填报。

::: 附件说明
附件：[1. 案例申报表](附件1-案例申报表.docx)
[2. 推荐名单汇总表](附件2-推荐名单汇总表.xlsx)
[3. 征集工作方案](附件3-征集工作方案.pdf)
:::

::: 落款
滨江市数据管理局
2026年11月6日
:::
"""


def office_zip(inner: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(inner, "<document>" + "案例" * 20000 + "</document>")
    return out.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + b"%" * 30000


def cover_jpeg() -> bytes:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (1200, 675), (178, 34, 34))
    ImageDraw.Draw(picture).rectangle((80, 80, 1120, 595), outline=(255, 215, 0), width=12)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


ATTACHMENTS = {
    "附件1-案例申报表.docx": office_zip("word/document.xml"),
    "附件2-推荐名单汇总表.xlsx": office_zip("xl/workbook.xml"),
    "附件3-征集工作方案.pdf": pdf(),
}


def write_notice(tmp_path: Path, body: str = BODY, files: dict[str, bytes] | None = None,
                 toml_extra: str = "") -> tuple[Path, Matrix, ContentItem]:
    root = tmp_path / "content"
    folder = root / "items" / ITEM_ID
    folder.mkdir(parents=True)
    shutil.copy(FIXTURE_TOML, root / "publisher.toml")
    if toml_extra:
        with open(root / "publisher.toml", "a", encoding="utf-8") as handle:
            handle.write("\n" + toml_extra)
    (folder / "index.md").write_text(FRONT + body, "utf-8")
    for name, data in (ATTACHMENTS if files is None else files).items():
        (folder / name).write_bytes(data)
    (folder / "cover.jpg").write_bytes(cover_jpeg())
    matrix = load_matrix(root)
    item, findings = load_item(folder / "index.md", root, matrix)
    assert item is not None, [str(f) for f in findings]
    return root, matrix, item
