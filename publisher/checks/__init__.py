"""Editorial checks: every problem of every item in one run, each with `path:line:col`.

Public API:
- `check_items(root, matrix, paths=None, settings=None) -> CheckReport` — load and check.
- `review_findings(item, policy, strict=True) -> list[Finding]` — sign-off problems only.
- `is_publishable(item, matrix, settings=None) -> (bool, list[Finding])` — False for drafts and
  for any item error (review problems always count as errors here); channel checks not included.
- `judge_for_publishing(item, matrix, settings=None) -> ItemVerdict` — the item checks plus every
  target channel's check, as the planner blocks and `check` reports (publisher/checks/verdict.py).
- `ITEM_CHECKS` — the check functions `(item, CheckContext) -> list[Finding]`, in order.

Finding codes are documented in docs/checks.md.
"""

from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.item_checks import ITEM_CHECKS, run_item_checks
from publisher.checks.review import review_findings
from publisher.checks.runner import CheckReport, check_items
from publisher.checks.verdict import ItemVerdict, TargetVerdict, draft_finding, judge
from publisher.content.findings import Finding
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.settings import Settings

__all__ = [
    "ITEM_CHECKS", "CheckContext", "CheckReport", "ItemVerdict", "TargetVerdict", "check_items",
    "is_publishable", "judge", "judge_for_publishing", "publish_context", "review_findings",
    "run_item_checks",
]

_contexts: dict[tuple[int, bool, str], tuple[Matrix, CheckContext]] = {}


def publish_context(matrix: Matrix, settings: Settings | None = None) -> CheckContext:
    """A strict context, built once per matrix (the word automaton is the expensive part)."""
    allow_remote = bool(settings and settings.allow_remote_images)
    key = (id(matrix), allow_remote, str(settings.state_dir) if settings is not None else "")
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
        reasons.insert(0, draft_finding(item))
    return not reasons, reasons


def judge_for_publishing(item: ContentItem, matrix: Matrix, settings: Settings | None = None,
                         image_cache: object = None) -> ItemVerdict:
    """The verdict the planner acts on: strict review, drafts block, every target's channel check."""
    ctx = publish_context(matrix, settings)
    if image_cache is not None and image_cache is not ctx.image_cache:
        from dataclasses import replace

        ctx = replace(ctx, image_cache=image_cache)
    return judge(item, ctx, drafts_block=True)
