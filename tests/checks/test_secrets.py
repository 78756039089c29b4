"""Classification field and secret markings: where they are found and what they say."""

from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.item_checks import run_item_checks
from publisher.checks.secrets import check_secrets
from publisher.content.matrix import Matrix

from .conftest import item_text

# Sign-offs as written (plain folder); the git-bound rules have their own tests.
MATRIX = Matrix.model_validate({"accounts": [{"id": "portal", "name": "门户网站", "channel": "site"}],
                                "review": {"verify": "none"}})


def _codes(item) -> list[tuple[str, int | None, int | None, str]]:
    return [(f.code, f.line, f.col, str(f.severity)) for f in check_secrets(item, CheckContext.build(MATRIX))]


def test_classification_other_than_public_blocks_with_its_line(make_item):
    item = make_item(item_text(extra="classification: 内部\n"), MATRIX)
    assert _codes(item) == [("classification-not-public", 6, None, "error")]
    (hit,) = check_secrets(item, CheckContext.build(MATRIX))
    assert "内部" in hit.message and "公开" in hit.message


def test_classification_public_or_absent_passes(make_item):
    assert _codes(make_item(item_text(extra="classification: 公开\n"), MATRIX)) == []
    assert _codes(make_item(item_text(), MATRIX)) == []


def test_a_classified_item_is_not_publishable(make_item):
    from publisher.checks import is_publishable

    ok, reasons = is_publishable(make_item(item_text(extra="classification: 机密\n"), MATRIX), MATRIX)
    assert not ok and [r.code for r in reasons] == ["classification-not-public"]


def test_marking_in_the_title_is_located_at_its_column(make_item):
    text = item_text().replace("title: 测试条目", "title: 情况通报（秘密★1年）")
    assert _codes(make_item(text, MATRIX)) == [("secret-marker", 2, 13, "error")]


def test_marking_in_an_image_alt_text_and_a_caption(make_item):
    body = "![机密★10年 扫描件](scan.png)\n\n*内部资料　注意保存*\n"
    codes = _codes(make_item(item_text(body=body), MATRIX))
    assert [(c, line, col) for c, line, col, _ in codes] == [("secret-marker", 18, 3), ("secret-marker", 20, 2)]


def test_mention_is_a_warning_that_quotes_the_sentence(make_item):
    body = "会议强调要抓好落实。会议传达了一份绝密文件的有关精神。其他内容。\n"
    (hit,) = check_secrets(make_item(item_text(body=body), MATRIX), CheckContext.build(MATRIX))
    assert (hit.code, str(hit.severity), hit.line) == ("secret-mention", "warning", 18)
    assert "“会议传达了一份绝密文件的有关精神。”" in hit.message


def test_ordinary_secrecy_words_pass_every_check(make_item):
    body = "涉密人员全部参加保密培训，确保宣传内容不违规不涉密。保密教育和保密工作常抓不懈。\n"
    findings = run_item_checks(make_item(item_text(body=body), MATRIX), CheckContext.build(MATRIX))
    assert findings == []


def test_configured_marker_inside_a_builtin_marking_is_reported_once(make_item):
    matrix = Matrix.model_validate({**MATRIX.model_dump(), "words": {"secret_markers": ["内部资料"]}})
    item = make_item(item_text(body="内部资料　请勿外传\n"), matrix)
    findings = run_item_checks(item, CheckContext.build(matrix))
    assert [(f.code, f.line) for f in findings] == [("secret-marker", 18)]


def test_the_first_character_screen_finds_exactly_what_the_markings_find():
    """MARKINGS starts with a lookahead of every character a marking can start with; on random
    text built from the markings' own pieces it finds the same spans as the alternatives alone."""
    import random
    import re

    from publisher.checks import secrets

    head = f"(?={secrets._FIRST})(?:"
    assert secrets.MARKINGS.pattern.startswith(head) and secrets.MARKINGS.pattern.endswith(")")
    alone = re.compile(secrets.MARKINGS.pattern[len(head):-1])
    pieces = ["绝", "絕", "机", "機", "秘", "密", "核心", "普通", "商", "★", "☆", "＊", "*", "_", "#", ">", " ",
              "\u3000", "\n", "\t", "10", "三", "年", "个月", "長期", "长期", "内", "內", "部", "资料", "材料", "文件",
              "刊物", "传阅", "注意保存", "请勿外传", "請勿", "仅供", "僅限", "内部参考", "此件不公开", "【", "】", "[",
              "]", "（", "）", "(", ")", "〔", "〕", "［", "］", "级", "級", "：", ":", "会议", "的", "a", "1", "，", "。",
              "内部资料", "內部文件", "机密", "機密", "秘密", "絕密", "绝　密", "商密", "核心商密", "普通商密", "密级",
              "請勿外傳", "\n  ", "\n# ", "\n> ", "\n* "]
    # (Each character of the screen matters: without any one of them, this finds a difference.)
    rng = random.Random(17)
    found = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        expected = [m.span() for m in alone.finditer(text)]
        assert [m.span() for m in secrets.MARKINGS.finditer(text)] == expected, text
        found += bool(expected)
    assert found > 200  # the pieces do make markings
