"""What publishing will enforce, as one list of findings for `publisher check` and the planner.

An item's verdict is the item checks (ITEM_CHECKS: review, secrets, placeholders, words, script,
typography, images…), which hold for every target, plus each target account's channel check on
that account's rendition (cover, title and digest lengths, a post's length and link…). The planner
blocks a target on the item's errors and that target's errors; `check` reports them all, so the
pre-commit hook stops what publishing would stop. Channels are reached only through the registry
and the `Channel` interface (publisher.render.renditions): this module names none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.base import Rendition
from publisher.checks.context import CheckContext
from publisher.checks.item_checks import run_item_checks
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import Account
from publisher.content.model import ContentItem
from publisher.content.targets import targets_for
from publisher.render import item_renders


@dataclass
class TargetVerdict:
    account: Account
    rendition: Rendition | None  # None: the account cannot render (its findings say why)
    findings: list[Finding] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return self.rendition.content_hash if self.rendition is not None else ""


@dataclass
class ItemVerdict:
    item: ContentItem
    findings: list[Finding]  # the item checks, shared by every target
    targets: list[TargetVerdict] = field(default_factory=list)

    def errors_for(self, target: TargetVerdict) -> list[Finding]:
        """What blocks this one target: the item's errors and the target's own."""
        return [f for f in (*self.findings, *target.findings) if f.is_error]

    @property
    def publishable(self) -> bool:
        return not any(f.is_error for f in self.findings)

    def all_findings(self) -> list[Finding]:
        """Item findings, then each channel finding once (two accounts of one channel usually
        report the same problem at the same place)."""
        seen: set[tuple] = set()
        out: list[Finding] = []
        for f in (*self.findings, *(f for t in self.targets for f in t.findings)):
            key = (f.code, f.line, f.col, f.message, f.severity)
            if key not in seen:
                seen.add(key)
                out.append(f)
        return out


def draft_finding(item: ContentItem) -> Finding:
    return Finding("item-draft", "条目为草稿（draft: true），不会发布", item.display_path,
                   item.line_of("draft"), None, Severity.ERROR)


def target_verdict(item: ContentItem, account: Account, ctx: CheckContext) -> TargetVerdict:
    from publisher.render.renditions import RenderingError, render_and_check_with

    try:
        rendition, findings = render_and_check_with(ctx.channel(account), item)
    except RenderingError as exc:
        return TargetVerdict(account, None, [Finding(
            "channel-unavailable", str(exc), item.display_path, item.line_of("targets"), None, Severity.ERROR,
        )])
    except Exception as exc:  # a channel bug must not hide the other targets' problems
        return TargetVerdict(account, None, [Finding(
            "check-crashed", f"账号“{account.name}”（{account.id}）生成发布内容时出错：{type(exc).__name__}: {exc}",
            item.display_path, None, None, Severity.ERROR,
        )])
    return TargetVerdict(account, rendition, list(findings))


def judge(item: ContentItem, ctx: CheckContext, *, drafts_block: bool = False) -> ItemVerdict:
    """The item checks and every target channel's check. `drafts_block` (publishing) adds the
    draft itself as an error."""
    findings = run_item_checks(item, ctx)
    if drafts_block and item.meta.draft:
        findings.insert(0, draft_finding(item))
    # One moment for all the item's targets: two accounts that render alike share the render.
    with item_renders.one_item():
        targets = [target_verdict(item, account, ctx) for account in targets_for(item, ctx.matrix)]
    return ItemVerdict(item, findings, targets)
