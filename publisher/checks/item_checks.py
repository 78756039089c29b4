"""The item checks — the ones that hold whatever the target — in report order, and running them
on one item. Channel checks come on top, per target: publisher/checks/verdict.py."""

from __future__ import annotations

from collections.abc import Callable

from publisher.checks.attachments import check_attachments
from publisher.checks.context import CheckContext
from publisher.checks.images import check_images
from publisher.checks.layout import check_layout
from publisher.checks.placeholders import check_placeholders
from publisher.checks.review import check_review
from publisher.checks.schedule import check_adopted, check_schedule
from publisher.checks.script import check_script
from publisher.checks.secrets import check_secrets
from publisher.checks.targets import check_targets
from publisher.checks.typography import check_typography
from publisher.checks.words import check_words
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

ItemCheck = Callable[[ContentItem, CheckContext], list[Finding]]

# Every item check, in report order. Channel checks (title and digest lengths, cover, a post's
# length — each channel class's `check` on its rendition) come on top, per target.
ITEM_CHECKS: tuple[ItemCheck, ...] = (
    check_review,
    check_schedule,
    check_adopted,
    check_targets,
    check_secrets,
    check_placeholders,
    check_words,
    check_script,
    check_typography,
    check_layout,
    check_images,
    check_attachments,
)


def run_item_checks(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    for check in ITEM_CHECKS:
        try:
            findings.extend(check(item, ctx))
        except Exception as exc:  # one broken check must not hide the other items' problems
            findings.append(Finding(
                "check-crashed", f"检查“{check.__name__}”出错：{type(exc).__name__}: {exc}",
                item.display_path, None, None, Severity.ERROR,
            ))
    return findings
