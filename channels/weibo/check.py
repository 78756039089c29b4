"""Weibo limits as editor findings: length by Weibo's count, the safe-domain link, the picture."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.base import Rendition
from channels.weibo.length import URL_PATTERN, link_rule
from channels.weibo.render import Note, weibo_spec
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import Account, Matrix
from publisher.content.model import ContentItem

SITE_CHANNEL = "site"  # the channel whose pages the post links to (publisher.content.urls.article_url)
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


def site_accounts(item: ContentItem, matrix: Matrix) -> tuple[list[Account], list[Account]]:
    """(site accounts the item goes to, site accounts configured): the post's link is the item's
    page on the site, which exists only if the item is published there."""
    from publisher.content.targets import targets_for

    configured = matrix.accounts_for(SITE_CHANNEL)
    return [a for a in targets_for(item, matrix) if a.channel == SITE_CHANNEL], configured


def _page_findings(item: ContentItem, matrix: Matrix, url: str) -> list[Finding]:
    going, configured = site_accounts(item, matrix)
    if going:
        return []
    where = item.line_of("targets", "weibo") or item.line_of("title")
    if not configured:
        # The site is not published from here: the page may exist elsewhere, it cannot be told.
        return [Finding(
            "weibo-no-site-page",
            f"publisher.toml 中没有网站账号（channel = \"site\"），无法确认微博链接 {url} 能否打开，请核实",
            item.display_path, where, severity=Severity.WARNING,
        )]
    return [Finding(
        "weibo-no-site-page",
        f"微博正文的链接 {url} 指向门户网站上的本篇稿件，但稿件不发到网站，链接将打不开："
        "请在 targets 中加上 site（与微博一起发到网站），或不发微博",
        item.display_path, where,
    )]


def check_post(item: ContentItem, rendition: Rendition, notes: list[Note], safe_domains: list[str],
               matrix: Matrix | None = None, url_weight: float | None = None) -> list[Finding]:
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
            f"微博正文 {length} 字，超出 {limit} 字上限 {length - limit} 字（{link_rule(url_weight)}），"
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
    if matrix is not None:
        findings += _page_findings(item, matrix, payload["url"])
    for asset in rendition.assets:
        if len(asset.data) > PICTURE_MAX_BYTES or asset.media_type not in PICTURE_TYPES:
            findings.append(Finding(
                "weibo-picture", f"微博配图“{asset.source}”须为 JPEG/PNG/GIF 且小于 5 MB", shown, item.line_of("cover")
            ))
    return findings
