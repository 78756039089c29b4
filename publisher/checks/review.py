"""Review sign-offs (三审三校): every stage the policy requires, each by a different person, in order.

The lines of the front matter are checked here; that each line was committed by the person it
names, and approves the content as it is now, is checked from git history (checks/signoffs.py).

An item without full sign-off may be committed and previewed but never published. `check` shows
the problems as warnings while the item is a draft and as errors otherwise; the planner asks
`review_findings(item, policy, strict=True)` (or `is_publishable`) and always gets errors.
"""

from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.checks.signoffs import git_signoff_findings
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import ReviewPolicy
from publisher.content.model import ContentItem, Signoff


def review_findings(item: ContentItem, policy: ReviewPolicy, *, strict: bool = True) -> list[Finding]:
    """Problems with the item's sign-offs; errors when `strict` or the item is not a draft."""
    severity = Severity.ERROR if strict or not item.meta.draft else Severity.WARNING
    signoffs = item.meta.review
    review_line = item.line_of("review") if ("review",) in item.positions.spots else None
    findings: list[Finding] = []

    # The latest sign-off of a stage counts: a stage signed again after changes replaces the old one.
    latest: dict[str, tuple[int, Signoff]] = {}
    for index, signoff in enumerate(signoffs):
        latest[signoff.stage] = (index, signoff)
        if signoff.stage not in policy.stages:
            findings.append(finding(
                item, "review-unknown-stage",
                f"审核环节“{signoff.stage}”不在审核制度中（应为：{'、'.join(policy.stages)}）",
                item.line_of("review", index, "stage"), None, Severity.WARNING,
            ))

    missing = [stage for stage in policy.stages if stage not in latest]
    if missing:
        draft_note = "（草稿可以预览，但不能发布）" if item.meta.draft else "，不能发布"
        findings.append(finding(
            item, "review-missing-stage",
            f"缺少审核签发：{'、'.join(missing)}{draft_note}",
            review_line or item.line_of("title"), None, severity,
        ))

    if policy.distinct_people:
        signed_by: dict[str, str] = {}
        for stage in policy.stages:
            if stage not in latest:
                continue
            index, signoff = latest[stage]
            person = "".join(signoff.by.split())
            if person in signed_by:
                findings.append(finding(
                    item, "review-same-person",
                    f"“{signoff.by}”已签发“{signed_by[person]}”，不能再签发“{stage}”（各审核环节应由不同人员负责）",
                    item.line_of("review", index, "by"), None, severity,
                ))
            else:
                signed_by[person] = stage

    # With git history, the order is the order of the commits (checks/signoffs.py), not typed times.
    if policy.in_order and not (policy.verify == "git" and item.trail is not None):
        previous: tuple[str, Signoff] | None = None
        for stage in policy.stages:
            if stage not in latest:
                continue
            index, signoff = latest[stage]
            if previous is not None and signoff.at < previous[1].at:
                findings.append(finding(
                    item, "review-out-of-order",
                    f"“{stage}”的时间（{signoff.at:%Y-%m-%d %H:%M}）早于“{previous[0]}”"
                    f"（{previous[1].at:%Y-%m-%d %H:%M}），审核应按{'→'.join(policy.stages)}的顺序进行",
                    item.line_of("review", index, "at"), None, severity,
                ))
            previous = (stage, signoff)
    # Who committed each line, with which signature, and whether the content changed since.
    findings.extend(git_signoff_findings(item, policy, severity, strict=strict))
    return findings


def check_review(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    return review_findings(item, ctx.matrix.review, strict=ctx.strict_review)
