"""The editorial corpus: every must-flag case flagged at its line with its code and severity,
no false positives on real-world government-news sentences (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .editorial_corpus import Outcome, evaluate, figures


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> list[Outcome]:
    return evaluate(Path(tmp_path_factory.mktemp("editorial")))


def test_corpus_is_big_enough(outcomes):
    numbers = figures(outcomes)
    assert numbers["cases"] >= 60
    assert numbers["must_not_flag"] >= 15
    assert {o.case.code for o in outcomes} >= {
        "secret-marker", "secret-mention", "classification-not-public", "placeholder", "script-traditional", None,
    }


def test_every_must_flag_case_is_flagged(outcomes):
    missed = [(o.case.index, o.case.text, [(f.code, f.line) for f in o.editorial])
              for o in outcomes if o.case.code and not o.hit]
    assert missed == []


def test_no_false_positives(outcomes):
    wrong = [(o.case.index, o.case.text, [f"{f.code}: {f.message}" for f in o.false_positives])
             for o in outcomes if o.false_positives]
    assert wrong == []
    assert figures(outcomes)["false_positives"] == 0


def test_placeholders_are_named_in_the_message(outcomes):
    for o in outcomes:
        if o.case.code == "placeholder":
            (hit, *_) = [f for f in o.editorial if f.code == "placeholder"]
            shown = hit.message.split("“", 1)[1].split("”", 1)[0]
            assert shown and shown in o.case.text, (o.case.text, hit.message)


def test_document_mentions_quote_the_sentence(outcomes):
    for o in outcomes:
        if o.case.code == "secret-mention":
            (hit,) = [f for f in o.editorial if f.code == "secret-mention"]
            assert o.case.text.rstrip("。") in hit.message


def test_traditional_text_gets_the_simplified_suggestion(outcomes):
    for o in outcomes:
        if o.case.code == "script-traditional" and o.case.where == "body":
            (hit,) = [f for f in o.editorial if f.code == "script-traditional"]
            assert hit.suggestion and not any(ch in hit.suggestion for ch in "會議數據後續")
