"""Attachments (附件) the body links to: present, inside the item's folder, an allowed type (never
a program or a script), within the size limit, a safe file name, bytes that match the extension.

The rules live in publisher.content.attachments, so renderers publish exactly what passes here.
"""

from __future__ import annotations

from publisher.checks.context import CheckContext, finding
from publisher.content.attachments import attachment_refs, inspect_attachment
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem


def check_attachments(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    settings = ctx.matrix.attachments
    types = tuple(settings.types)
    findings: list[Finding] = []
    seen: set[str] = set()
    for ref in attachment_refs(item):
        if ref.target in seen:  # the same file linked twice: reported once
            continue
        seen.add(ref.target)
        found = inspect_attachment(item.folder, ref, types, settings.max_bytes)
        if isinstance(found, list):
            for code, message in found:
                findings.append(finding(item, code, f"附件“{ref.target}”：{message}", ref.line, ref.col,
                                        Severity.ERROR))
    return findings
