"""The loader: YAML 1.1 traps, line mapping, encodings, and collect-everything behaviour."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from publisher.content.frontmatter import FrontMatterError, split_front_matter
from publisher.content.loader import discover, item_id, load_item, load_items
from publisher.content.matrix import Matrix

HEAD = "---\ntitle: 标题\nauthor: 张三\ndepartment: 办公室\npublish_at: 2026-11-20 09:00\n"


def write(root: Path, name: str, data: str | bytes) -> Path:
    path = root / "items" / name / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def load(root: Path, name: str, data: str | bytes, matrix: Matrix | None = None):
    return load_item(write(root, name, data), root, matrix or Matrix())


def test_good_item_positions_body_line_and_id(tmp_path):
    item, findings = load(tmp_path, "2026/11/meeting", HEAD + "tags:\n  - 会议\n  - 通知\n---\n\n正文第一行\n")
    assert findings == []
    assert item.id == "2026/11/meeting" and item.slug == "meeting"
    assert item.body_line == 10 and item.body == "\n正文第一行\n"
    assert item.line_of("publish_at") == 5 and item.line_of("tags", 1) == 8
    assert item.meta.publish_at == datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert item.display_path == "items/2026/11/meeting/index.md"


@pytest.mark.parametrize(("line", "code"), [
    ("draft: no", "wrong-type"),       # YAML 1.1 would make this False silently
    ("draft: on", "wrong-type"),
    ("publish_at: 09:00", "bad-date"),  # YAML 1.1 sexagesimal: 540
    ("slug: Bad Slug", "bad-value"),
    ("tags: 5", "wrong-type"),
    ("colour: red", "unknown-field"),
])
def test_yaml_traps_are_reported_not_guessed(tmp_path, line, code):
    text = HEAD.replace("publish_at: 2026-11-20 09:00\n", "") + line + "\n"
    if "publish_at" not in line:
        text += "publish_at: 2026-11-20 09:00\n"
    item, findings = load(tmp_path, "x", text + "---\n正文\n")
    assert item is None
    assert (findings[0].code, findings[0].line) == (code, 5)


def test_draft_true_and_quoted_values_stay_as_written(tmp_path):
    item, findings = load(tmp_path, "x", HEAD + "draft: true\nslug: \"2026-report\"\nsummary: 'no'\n---\n")
    assert findings == [] and item.meta.draft is True
    assert item.meta.slug == "2026-report" and item.meta.summary == "no"


def test_every_problem_of_an_item_is_listed(tmp_path):
    text = "---\ntitle: 123\nauthor:\npublish_at: 明天\nextra: 1\n---\n"
    _, findings = load(tmp_path, "x", text)
    assert sorted((f.code, f.line) for f in findings) == [
        ("bad-date", 4), ("missing-field", 2), ("unknown-field", 5), ("wrong-type", 2), ("wrong-type", 3),
    ]


def test_duplicate_key_is_an_error_with_the_second_line(tmp_path):
    item, findings = load(tmp_path, "x", HEAD + "title: 又一个\n---\n")
    assert item is None and [(f.code, f.line) for f in findings] == [("duplicate-key", 6)]


def test_bom_and_crlf_are_warnings_and_lines_stay_right(tmp_path):
    data = b"\xef\xbb\xbf" + (HEAD + "---\n\nbody\n").replace("\n", "\r\n").encode()
    item, findings = load(tmp_path, "x", data)
    assert item is not None and item.body_line == 7 and item.body == "\nbody\n"
    assert [(f.code, f.severity.value) for f in findings] == [("encoding-bom", "warning"), ("line-endings-crlf", "warning")]


@pytest.mark.parametrize(("data", "code", "line"), [
    (b"", "file-empty", None),
    (b"  \n\n", "file-empty", None),
    (b"---\x00\x01", "file-binary", None),
    ("---\ntitle: 中文\n---\n".encode("gb18030"), "encoding-not-utf8", 2),
    (b"title: x\n", "front-matter-missing", 1),
    (b"---\ntitle: x\n", "front-matter-unclosed", 1),
    (b"---\ntitle: [x\n---\n", "yaml-syntax", 2),
    (b"---\nreview:\n\t- a\n---\n", "yaml-tab", 3),
    (b"---\njust text\n---\n", "front-matter-not-mapping", 2),
])
def test_unreadable_files(tmp_path, data, code, line):
    item, findings = load(tmp_path, "x", data)
    assert item is None and [(f.code, f.line) for f in findings] == [(code, line)]


def test_too_large_file_is_not_read(tmp_path):
    path = write(tmp_path, "x", b"")
    with open(path, "wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    item, findings = load_item(path, tmp_path, Matrix())
    assert item is None and findings[0].code == "file-too-large"


def test_load_items_goes_on_after_broken_items(tmp_path):
    write(tmp_path, "a", HEAD + "---\n")
    write(tmp_path, "b", "broken")
    write(tmp_path, "c/d", HEAD + "---\n")
    result = load_items(tmp_path, Matrix())
    assert [i.id for i in result.items] == ["a", "c/d"]
    assert [f.path for f in result.findings] == ["items/b/index.md"]
    assert discover(tmp_path, [tmp_path / "items" / "c"]) == [tmp_path / "items/c/d/index.md"]


def test_item_id_outside_items_folder(tmp_path):
    path = tmp_path / "elsewhere" / "post" / "index.md"
    assert item_id(path, tmp_path) == "elsewhere/post"


def test_front_matter_error_carries_position():
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter("---\na: 1\nb: \"open\n---\n")
    assert (caught.value.code, caught.value.line, caught.value.col) == ("yaml-syntax", 3, 4)
    assert "引号" in caught.value.message
