"""Helpers for check tests: real item files in a temporary content root."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.content.loader import load_item
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem

REVIEW = """review:
  - stage: 初审
    by: 李明
    at: 2026-11-19 10:00
  - stage: 复审
    by: 王芳
    at: 2026-11-19 14:00
  - stage: 终审
    by: 赵强
    at: 2026-11-19 17:00
"""


def item_text(body: str = "正文。\n", extra: str = "", review: str = REVIEW) -> str:
    """Front matter lines: 1 ---, 2 title, 3 author, 4 department, 5 publish_at, 6+ extra."""
    return (f"---\ntitle: 测试条目\nauthor: 张三\ndepartment: 办公室\npublish_at: 2026-11-20 09:00\n"
            f"{extra}{review}---\n\n{body}")


@pytest.fixture
def make_item(tmp_path: Path):
    counter = iter(range(10_000))

    def make(text: str, matrix: Matrix | None = None, files: dict[str, bytes] | None = None) -> ContentItem:
        folder = tmp_path / "items" / f"item-{next(counter)}"
        folder.mkdir(parents=True)
        for name, data in (files or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        path = folder / "index.md"
        path.write_text(text, encoding="utf-8")
        item, findings = load_item(path, tmp_path, matrix or Matrix())
        assert item is not None, findings
        return item

    return make
