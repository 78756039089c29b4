from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.words import WordMatcher, check_words
from publisher.content.findings import Severity
from publisher.content.matrix import Matrix

from .conftest import item_text

MATRIX = Matrix.model_validate({
    "accounts": [{"id": "wx-main", "name": "微信", "channel": "wechat"}],
    "words": {
        "secret_markers": ["内部资料"],
        "sensitive": [{"word": "内参", "severity": "error"}, {"word": "事件", "severity": "warning"}],
        "preferred": [{"word": "新冠", "use": "新冠病毒感染"}, {"word": "做为", "use": "作为"}],
    },
})


def test_front_matter_texts_are_scanned_with_their_lines(make_item):
    text = item_text(extra="summary: 这是内部资料摘要\ntargets:\n  wechat:\n    title: 内参标题\n")
    item = make_item(text, MATRIX)
    found = {(f.code, f.line, f.col) for f in check_words(item, CheckContext.build(MATRIX))}
    assert found == {("secret-marker", 6, 12), ("sensitive-word", 9, 12)}


def test_preferred_form_containing_the_word_is_not_flagged():
    matcher = WordMatcher(MATRIX.words)
    hits = matcher.scan("新冠病毒感染防控，新冠疫苗接种")
    assert [(h.start, h.rule.word) for h in hits] == [(9, "新冠")]


def test_overlapping_words_all_reported_in_order():
    hits = WordMatcher(MATRIX.words).scan("内参事件做为内部资料")
    assert [(h.rule.word, h.rule.severity) for h in hits] == [
        ("内参", Severity.ERROR), ("事件", Severity.WARNING), ("做为", Severity.WARNING), ("内部资料", Severity.ERROR),
    ]


def test_empty_word_lists_cost_nothing(make_item):
    matrix = Matrix.model_validate({"words": {"secret_markers": []}})
    assert WordMatcher(matrix.words).automaton is None
    assert check_words(make_item(item_text(), matrix), CheckContext.build(matrix)) == []
