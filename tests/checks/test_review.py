from __future__ import annotations

from publisher.checks import is_publishable, review_findings
from publisher.content.findings import Severity
from publisher.content.matrix import Matrix, ReviewPolicy

from .conftest import REVIEW, item_text

# The front-matter rules alone; the git-bound rules are tested on real repos in test_signoffs_git.py.
POLICY = ReviewPolicy(verify="none")
TRUSTING = Matrix(review=POLICY)


def codes(findings):
    return [(f.code, f.line, f.severity) for f in findings]


def test_full_sign_off_is_publishable(make_item):
    item = make_item(item_text())
    assert review_findings(item, POLICY) == []
    assert is_publishable(item, TRUSTING) == (True, [])


def test_missing_stage_blocks_even_in_strict_mode_for_drafts(make_item):
    review = REVIEW.split("  - stage: 终审")[0]
    item = make_item(item_text(extra="draft: true\n", review=review))
    assert codes(review_findings(item, POLICY, strict=False)) == [("review-missing-stage", 7, Severity.WARNING)]
    assert codes(review_findings(item, POLICY)) == [("review-missing-stage", 7, Severity.ERROR)]
    ok, reasons = is_publishable(item, TRUSTING)
    assert not ok
    assert [r.code for r in reasons] == ["item-draft", "review-missing-stage"]


def test_same_person_and_order(make_item):
    review = REVIEW.replace("by: 赵强", "by: 李 明").replace("2026-11-19 14:00", "2026-11-19 18:00")
    item = make_item(item_text(review=review))
    found = codes(review_findings(item, POLICY))
    # 复审 at 18:00 is after 终审 at 17:00; 李明 (spaces ignored) signs twice.
    assert ("review-same-person", 14, Severity.ERROR) in found
    assert ("review-out-of-order", 15, Severity.ERROR) in found


def test_policy_switches_and_custom_stages(make_item):
    review = REVIEW.replace("by: 王芳", "by: 李明")
    item = make_item(item_text(review=review))
    relaxed = ReviewPolicy(distinct_people=False, verify="none")
    assert review_findings(item, relaxed) == []
    two = ReviewPolicy(stages=["初审", "终审"], verify="none")
    assert codes(review_findings(item, two)) == [("review-unknown-stage", 10, Severity.WARNING)]


def test_latest_sign_off_of_a_stage_counts(make_item):
    review = REVIEW + "  - stage: 初审\n    by: 李明\n    at: 2026-11-19 18:00\n"
    item = make_item(item_text(review=review))
    # 初审 signed again at 18:00, after 复审 (14:00): 复审 must be signed again too.
    assert codes(review_findings(item, POLICY)) == [("review-out-of-order", 12, Severity.ERROR)]


def test_git_policy_without_history_is_unverifiable(make_item):
    item = make_item(item_text())
    ok, reasons = is_publishable(item, Matrix())
    assert not ok and [r.code for r in reasons] == ["review-unverifiable"]
    assert "无法核验" in reasons[0].message
