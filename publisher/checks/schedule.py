"""Dates that must make sense together: take-down after publication, sign-offs before it;
adoptions written in the front matter at a level the office counts."""

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


def check_adopted(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    """`adopted:` entries: a level publisher.toml does not list is not counted (a warning: the
    item still publishes); a link must be a web address."""
    levels = ctx.matrix.report.levels
    findings: list[Finding] = []
    for index, note in enumerate(item.meta.adopted):
        if note.level not in levels:
            findings.append(finding(
                item, "adopted-level",
                f"采用级别“{note.level}”不在 publisher.toml 的 [report] levels 中（{'、'.join(levels)}），"
                f"这条采用记录不计入通报：请改为其中之一，或在 levels 中加上它",
                item.line_of("adopted", index, "level"), None, Severity.WARNING,
            ))  # fmt: skip
        if note.url and not note.url.startswith(("http://", "https://")):
            findings.append(finding(
                item, "adopted-url", f"采用稿的链接“{note.url}”应以 http:// 或 https:// 开头",
                item.line_of("adopted", index, "url"), None, Severity.WARNING,
            ))  # fmt: skip
    return findings
