"""Dates that must make sense together: take-down after publication, sign-offs before it."""

from __future__ import annotations

from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

_SHOWN = "%Y-%m-%d %H:%M"


def check_schedule(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    meta = item.meta
    tz = ctx.matrix.tz
    findings: list[Finding] = []
    publish_at = meta.publish_at
    if meta.expire_at is not None and meta.expire_at <= publish_at:
        findings.append(finding(
            item, "expire-before-publish",
            f"下线时间（{meta.expire_at.astimezone(tz):{_SHOWN}}）应晚于发布时间"
            f"（{publish_at.astimezone(tz):{_SHOWN}}）：请修改头信息 expire_at（或 publish_at）",
            item.line_of("expire_at"),
        ))
    for index, signoff in enumerate(meta.review):
        if signoff.at > publish_at:
            findings.append(finding(
                item, "review-after-publish",
                f"“{signoff.stage}”签发时间（{signoff.at.astimezone(tz):{_SHOWN}}）晚于发布时间"
                f"（{publish_at.astimezone(tz):{_SHOWN}}）：请核实后修改头信息 review 中“{signoff.stage}”"
                f"一项的 at（第 {index + 1} 条），或把 publish_at 推后（发布时间不得倒填）",
                item.line_of("review", index, "at"), None, Severity.WARNING,
            ))
    return findings
