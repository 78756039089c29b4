"""Editorial checks: every problem of every item in one run, each with `path:line:col`.

Public API:
- `check_items(root, matrix, paths=None, settings=None) -> CheckReport` — load and check.
- `review_findings(item, policy, strict=True) -> list[Finding]` — sign-off problems only.
- `is_publishable(item, matrix, settings=None) -> (bool, list[Finding])` — for the planner: False
  for drafts and for any error (review problems always count as errors here).
- `ITEM_CHECKS` — the check functions `(item, CheckContext) -> list[Finding]`, in order.

Finding codes are documented in docs/checks.md.
"""

from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.review import review_findings
from publisher.checks.runner import ITEM_CHECKS, CheckReport, check_items, run_item_checks
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.settings import Settings

__all__ = [
    "ITEM_CHECKS", "CheckContext", "CheckReport", "check_items", "is_publishable",
    "publish_context", "review_findings", "run_item_checks",
]

_contexts: dict[tuple[int, bool], tuple[Matrix, CheckContext]] = {}


def publish_context(matrix: Matrix, settings: Settings | None = None) -> CheckContext:
    """A strict context, built once per matrix (the word automaton is the expensive part)."""
    allow_remote = bool(settings and settings.allow_remote_images)
    key = (id(matrix), allow_remote)
    cached = _contexts.get(key)
    if cached is None or cached[0] is not matrix:
        ctx = CheckContext.build(matrix, settings, strict_review=True)
        _contexts[key] = cached = (matrix, ctx)
    return cached[1]


def is_publishable(item: ContentItem, matrix: Matrix, settings: Settings | None = None
                   ) -> tuple[bool, list[Finding]]:
    """Whether the item may go out now, and if not, why (errors only)."""
    reasons = [f for f in run_item_checks(item, publish_context(matrix, settings)) if f.is_error]
    if item.meta.draft:
        reasons.insert(0, Finding("item-draft", "条目为草稿（draft: true），不会发布",
                                  item.display_path, item.line_of("draft"), None, Severity.ERROR))
    return not reasons, reasons
