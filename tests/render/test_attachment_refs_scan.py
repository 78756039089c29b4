"""`attachment_refs` skips the parse for bodies that link nothing that could be a file (pictures,
web links, anchors, footnotes); the skip must never hide a link to a file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from publisher.content import attachments
from publisher.content.attachments import attachment_refs

ROOT = Path(__file__).resolve().parents[2]


def _targets(body: str) -> list[str]:
    return [ref.target for ref in attachment_refs(SimpleNamespace(body=body, body_line=3))]


@pytest.mark.parametrize(("body", "targets"), [
    ("正文。\n\n![会场](venue.jpg)\n\n![街景](street.png \"标题\")\n", []),
    ("![会场](venue.jpg)\n\n详见[申报表](申报表.docx)。\n", ["申报表.docx"]),
    ("\\![申报表](申报表.docx)\n", ["申报表.docx"]),  # an escaped `!` leaves a link
    ("[![封面](cover.jpg)](说明.pdf)\n", ["说明.pdf"]),  # a picture inside a link
    ("![图 [一]](a.jpg)\n\n见[附件][1]。\n\n[1]: 附件.xlsx\n", ["附件.xlsx"]),
    ('<a href="附件.pdf">附件</a>\n', ["附件.pdf"]),
    ("见说明[^1]。\n\n[^1]: 数据来源：市统计局。\n", []),  # a footnote is not a link
    ("见[官网](https://www.gov.cn/)与[本页](#top)。\n\n[官网2]: https://a.cn/x.pdf\n", []),
    ("注[^1]\n\n[^1]: 见[申报表](申报表.docx)。\n", ["申报表.docx"]),  # a link inside a footnote
    ("注[^1]\n\n[^1]: [表]: 表.xlsx\n", []),  # a definition inside a footnote, never used
    ("见[表]。\n\n[^1]: 注\n\n[表]: 表.xlsx\n", ["表.xlsx"]),
    ("见[表][^a b]。\n\n[^a b]: 表.xlsx\n", ["表.xlsx"]),  # a space: not a footnote label
    ("见[表][\\[^x]。\n\n[\\[^x]: 表.xlsx\n", ["表.xlsx"]),
    ("见[表](\n  表.xlsx)。\n", ["表.xlsx"]),
    ("[x](![a](b) 说明.pdf)\n", []),
    ("![<a href=\"说明.pdf\">x</a>](a.jpg)\n", ["说明.pdf"]),  # raw HTML in a picture's text
    ("<a href='https://www.gov.cn/'>官网</a> <A HREF=说明.pdf>说明</A>\n", ["说明.pdf"]),
])  # fmt: skip
def test_links_to_files_are_found_beside_pictures(body: str, targets: list[str]) -> None:
    assert _targets(body) == targets
    assert _targets(body) == targets  # the cached answer is a fresh list, the same again


def test_the_cached_list_is_the_callers_own() -> None:
    body = "见[申报表](申报表.docx)。\n"
    first = attachment_refs(SimpleNamespace(body=body, body_line=3))
    first.clear()
    assert [ref.line for ref in attachment_refs(SimpleNamespace(body=body, body_line=3))] == [3]


def _bodies() -> list[str]:
    files = sorted((ROOT / "tests").rglob("*.md")) + sorted((ROOT / "docs").rglob("*.md")) + \
        sorted((ROOT / "content").rglob("*.md"))
    return [path.read_bytes().decode("utf-8", errors="replace") for path in files]


def test_skipping_the_parse_never_changes_the_references() -> None:
    skipped = 0
    for body in _bodies():
        if not attachments._may_link_a_file(body):
            skipped += 1
            assert attachments._scan(body, 1) == (), body[:200]
    assert skipped > 0
