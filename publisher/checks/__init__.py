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

from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING

from publisher.checks.context import CheckContext
from publisher.checks.item_checks import ITEM_CHECKS, run_item_checks
from publisher.checks.review import review_findings
from publisher.checks.runner import CheckReport, check_items
from publisher.checks.verdict import ItemVerdict, TargetVerdict, draft_finding, judge
from publisher.content.findings import Finding
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem

if TYPE_CHECKING:  # pydantic-settings (≈ 16 MB, 0.1 s): not for a check worker that never reads settings
    from publisher.settings import Settings

__all__ = [
    "ITEM_CHECKS", "CheckContext", "CheckReport", "ItemVerdict", "TargetVerdict", "cached_contexts",
    "check_items", "is_publishable", "judge", "judge_for_publishing", "publish_context",
    "review_findings", "run_item_checks",
]

# The last few matrices' contexts, most recent last. Every sync loads a new Matrix object, so a
# cache keyed by identity must forget old ones: a resident `publisher run` or worker syncs every
# minute for months (issue 13: unbounded, it grew by one context per sync). A context holds its
# matrix, so a cached id cannot be reused by another object while the entry lives.
CONTEXT_CACHE_SIZE = 4
_contexts: OrderedDict[tuple[int, bool, str], tuple[Matrix, CheckContext]] = OrderedDict()
_contexts_guard = Lock()


def publish_context(matrix: Matrix, settings: Settings | None = None) -> CheckContext:
    """A strict context, built once per matrix (the word automaton is the expensive part)."""
    allow_remote = bool(settings and settings.allow_remote_images)
    key = (id(matrix), allow_remote, str(settings.state_dir) if settings is not None else "")
    with _contexts_guard:
        cached = _contexts.get(key)
        if cached is not None and cached[0] is matrix:
            _contexts.move_to_end(key)
            return cached[1]
    ctx = CheckContext.build(matrix, settings, strict_review=True)
    with _contexts_guard:
        _contexts[key] = (matrix, ctx)
        _contexts.move_to_end(key)
        while len(_contexts) > CONTEXT_CACHE_SIZE:
            _contexts.popitem(last=False)
    return ctx


def cached_contexts() -> int:
    """How many check contexts are kept (the soak test watches it)."""
    return len(_contexts)


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
