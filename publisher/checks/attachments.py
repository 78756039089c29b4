"""Attachments (附件) the body links to: present, inside the item's folder, an allowed type (never
a program or a script), within the size limit, a safe file name, bytes that match the extension.

The rules live in publisher.content.attachments, so renderers publish exactly what passes here.
"""

from __future__ import annotations

import re

from publisher.checks.context import CheckContext
from publisher.checks.positions import TextMap, finding
from publisher.content.attachments import attachment_refs, extension_of, inspect_attachment
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

# `[申报表](附件1 申报表.docx)`: CommonMark ends a link target at a space, so this is no link at
# all — the page would show the brackets and no file. Editors write it all the time.
_SPACED_TARGET = re.compile(r"\]\(([^()<>\n]*?[ \t][^()<>\n]*?\.([A-Za-z0-9]{1,8}))\s*\)")
_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1|`[^`\n]*`", re.MULTILINE)


def _spaced_links(item: ContentItem) -> list[Finding]:
    body = _CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), item.body)
    positions = TextMap(item.body, item.body_line)
    findings = []
    for match in _SPACED_TARGET.finditer(body):
        target = match.group(1)
        if extension_of(target) in ("", "md") or "://" in target or re.search(r"\s[\"'(]", target):
            continue  # a link with a title, or not a file
        line, col = positions.position(match.start(1))
        findings.append(finding(
            item, "attachment-link-syntax",
            f"附件链接“{target}”的文件名含有空格，这样写链接不会生效：请写成 [文字](<{target}>)，"
            "或把文件名中的空格去掉（同时改文件名）",
            line, col, Severity.ERROR,
        ))
    return findings


def check_attachments(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    settings = ctx.matrix.attachments
    types = tuple(settings.types)
    findings: list[Finding] = _spaced_links(item) if "](" in item.body else []
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
