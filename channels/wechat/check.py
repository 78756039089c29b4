"""WeChat limits as editor findings. A given title, author, digest or body that is too long is
reported with the limit and the excess: it is never cut silently."""

from __future__ import annotations

from channels.base import Limits, Rendition
from channels.wechat.render import Note, wechat_spec
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

MAX_CONTENT_BYTES = 1024 * 1024
ASSET_LIMITS = {  # role: (max bytes, allowed media types, label)
    "body": (1024 * 1024 - 1, ("image/jpeg", "image/png"), "正文图片"),
    "cover": (10 * 1024 * 1024, ("image/jpeg", "image/png"), "封面"),
    "thumb": (64 * 1024 - 1, ("image/jpeg",), "封面缩略图"),
}


def body_line(item: ContentItem, needle: str) -> int | None:
    """File line of the first body line containing `needle` (an image reference)."""
    for offset, line in enumerate(item.body.split("\n")):
        if needle and needle in line:
            return item.body_line + offset
    return None


def _field_line(item: ContentItem, key: str) -> int | None:
    spec = wechat_spec(item)
    if spec is not None and getattr(spec, key, None):
        return item.line_of("targets", "wechat", key)
    source = {"digest": "summary"}.get(key, key)
    return item.line_of(source) if getattr(item.meta, source, None) else None


def _length_findings(item: ContentItem, payload: dict, limits: Limits) -> list[Finding]:
    findings: list[Finding] = []
    shown = item.display_path
    for key, label, limit in (
        ("title", "标题", limits.title_max),
        ("author", "作者", limits.author_max),
        ("digest", "摘要", limits.digest_max),
    ):
        value = payload.get(key) or ""
        if limit is not None and len(value) > limit:
            findings.append(Finding(
                f"wechat-{key}-too-long",
                f"微信{label}超出 {limit} 字上限 {len(value) - limit} 字（共 {len(value)} 字），"
                f"请在 targets.wechat.{key} 中写一个短一些的{label}",
                shown, _field_line(item, key),
            ))
    content = payload.get("content") or ""
    if limits.body_max is not None and len(content) > limits.body_max:
        findings.append(Finding(
            "wechat-body-too-long",
            f"微信正文超出 {limits.body_max} 字符上限 {len(content) - limits.body_max} 字符"
            f"（排版后的 HTML 共 {len(content)} 字符），请精简正文或分篇发布",
            shown, item.body_line,
        ))
    size = len(content.encode())
    if size >= MAX_CONTENT_BYTES:
        findings.append(Finding(
            "wechat-body-too-large", f"微信正文 HTML 为 {size / 1048576:.2f} MB，须小于 1 MB", shown, item.body_line
        ))
    return findings


def _asset_findings(item: ContentItem, rendition: Rendition) -> list[Finding]:
    findings = []
    for asset in rendition.assets:
        max_bytes, types, label = ASSET_LIMITS.get(asset.role, (None, (), asset.role))
        where = body_line(item, asset.source) if asset.role == "body" else item.line_of("cover")
        if max_bytes is not None and len(asset.data) > max_bytes:
            findings.append(Finding(
                "wechat-image-too-large",
                f"{label}“{asset.source}”处理后仍有 {len(asset.data) / 1024:.0f} KB，超过微信上限 {max_bytes // 1024} KB",
                item.display_path, where,
            ))
        if types and asset.media_type not in types:
            findings.append(Finding(
                "wechat-image-type", f"{label}“{asset.source}”的格式 {asset.media_type} 微信不接受", item.display_path, where
            ))
    return findings


def _note_finding(item: ContentItem, note: Note) -> Finding:
    if note.ref == "cover" or note.ref and note.ref == item.meta.cover:
        line = item.line_of("cover")
    elif note.ref:
        line = body_line(item, note.ref)
    else:
        line = None
    severity = Severity.WARNING if note.warning else Severity.ERROR
    code = note.code if note.code.startswith("wechat-") else f"wechat-{note.code}"
    return Finding(code, note.message, item.display_path, line, severity=severity)


def check_article(item: ContentItem, rendition: Rendition, notes: list[Note], limits: Limits) -> list[Finding]:
    findings = [_note_finding(item, note) for note in notes]
    findings += _length_findings(item, rendition.payload, limits)
    findings += _asset_findings(item, rendition)
    return findings
