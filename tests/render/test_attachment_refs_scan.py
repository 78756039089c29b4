"""`attachment_refs` skips the parse for bodies that link nothing but pictures; the skip must never
hide a link to a file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from publisher.content.attachments import attachment_refs


def _targets(body: str) -> list[str]:
    return [ref.target for ref in attachment_refs(SimpleNamespace(body=body, body_line=3))]


@pytest.mark.parametrize(("body", "targets"), [
    ("正文。\n\n![会场](venue.jpg)\n\n![街景](street.png \"标题\")\n", []),
    ("![会场](venue.jpg)\n\n详见[申报表](申报表.docx)。\n", ["申报表.docx"]),
    ("\\![申报表](申报表.docx)\n", ["申报表.docx"]),  # an escaped `!` leaves a link
    ("[![封面](cover.jpg)](说明.pdf)\n", ["说明.pdf"]),  # a picture inside a link
    ("![图 [一]](a.jpg)\n\n见[附件][1]。\n\n[1]: 附件.xlsx\n", ["附件.xlsx"]),
    ('<a href="附件.pdf">附件</a>\n', ["附件.pdf"]),
])  # fmt: skip
def test_links_to_files_are_found_beside_pictures(body: str, targets: list[str]) -> None:
    assert _targets(body) == targets
    assert _targets(body) == targets  # the cached answer is a fresh list, the same again


def test_the_cached_list_is_the_callers_own() -> None:
    body = "见[申报表](申报表.docx)。\n"
    first = attachment_refs(SimpleNamespace(body=body, body_line=3))
    first.clear()
    assert [ref.line for ref in attachment_refs(SimpleNamespace(body=body, body_line=3))] == [3]
