"""Weibo limits as editor findings: length by Weibo's count, the safe-domain link, the picture."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.base import Rendition
from channels.weibo.length import URL_PATTERN
from channels.weibo.render import Note, weibo_spec
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

PICTURE_MAX_BYTES = 5 * 1024 * 1024 - 1
PICTURE_TYPES = ("image/jpeg", "image/png", "image/gif")


def on_safe_domain(url: str, domains: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in domains))


def _text_line(item: ContentItem) -> int | None:
    spec = weibo_spec(item)
    if spec is not None and spec.text:
        return item.line_of("targets", "weibo", "text")
    return item.line_of("title")


def _ref_line(item: ContentItem, ref: str | None) -> int | None:
    if not ref:
        return None
    if ref == item.meta.cover:
        return item.line_of("cover")
    lines = item.body.split("\n")
    return next((item.body_line + i for i, line in enumerate(lines) if ref in line), None)


def check_post(item: ContentItem, rendition: Rendition, notes: list[Note], safe_domains: list[str]) -> list[Finding]:
    shown = item.display_path
    payload = rendition.payload
    findings = [
        Finding(n.code, n.message, shown, _ref_line(item, n.ref),
                severity=Severity.WARNING if n.warning else Severity.ERROR)
        for n in notes
    ]
    length, limit = payload["length"], payload["limit"]
    if length > limit:
        findings.append(Finding(
            "weibo-too-long",
            f"微博正文 {length} 字，超出 {limit} 字上限 {length - limit} 字（链接按固定字数计），"
            "请在 targets.weibo.text 中精简",
            shown, _text_line(item),
        ))
    links = URL_PATTERN.findall(payload["text"])
    if payload["url"] not in links or not on_safe_domain(payload["url"], safe_domains):
        where = "、".join(safe_domains) or "（未配置）"
        findings.append(Finding(
            "weibo-no-safe-link",
            f"微博正文必须包含安全域名（{where}）下的链接；文章链接 {payload['url']} 不在其中，"
            "请检查 publisher.toml 中的 site.base_url 或账号的安全域名设置",
            shown, _text_line(item),
        ))
    for asset in rendition.assets:
        if len(asset.data) > PICTURE_MAX_BYTES or asset.media_type not in PICTURE_TYPES:
            findings.append(Finding(
                "weibo-picture", f"微博配图“{asset.source}”须为 JPEG/PNG/GIF 且小于 5 MB", shown, item.line_of("cover")
            ))
    return findings
