"""Links and images of the built site: every reference resolved against the file it is in.

Internal references (relative or root-relative) must name a file in the built folder (a folder
means its index.html). Absolute URLs count as external even on the site's own host: an office's
domain often serves other systems too (a policy library, a search), which the build cannot see. One finding per missing
target, counting the pages that reference it, so a broken menu link is one problem, not a
thousand. External links are checked only when `[inspection] external_links = true`: it
needs the network and other people's servers, so it is off by default and never in tests.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from publisher.content.matrix import Matrix
from publisher.office.inspection.findings import (
    ERROR,
    RULE_EXTERNAL,
    RULE_IMAGES,
    RULE_LINKS,
    WARNING,
    InspectionFinding,
)
from publisher.office.inspection.page_parser import Reference, parse_page

SKIPPED_SCHEMES = {"mailto", "tel", "javascript", "data", "about", "blob", "sms"}
EXTERNAL_LIMIT = 300  # distinct external URLs asked per run at most
EXTERNAL_TIMEOUT = 8.0
_LOCAL = "http://site.invalid"  # any base: only the path part of the join is used


@dataclass
class _Missing:
    is_image: bool
    pages: list[tuple[str, int, str]] = field(default_factory=list)  # (page, line, as written)


@dataclass
class LinkReport:
    findings: list[InspectionFinding]
    pages: int
    links: int


def site_path(page: Path, site_dir: Path) -> str:
    return "/" + page.relative_to(site_dir).as_posix()


def _target(ref: Reference, page_path: str) -> str | None | bool:
    """The site path a reference names; None: nothing to check here; False: external."""
    url = ref.url
    if url.startswith("#"):
        return None
    parts = urlsplit(url)
    if parts.scheme and parts.scheme.lower() in SKIPPED_SCHEMES:
        return None
    if parts.scheme or parts.netloc:
        return False if parts.scheme.lower() in ("http", "https", "") else None
    path = urlsplit(urljoin(_LOCAL + page_path, url)).path
    return posixpath.normpath(unquote(path)) + ("/" if path.endswith("/") and path != "/" else "")


def _exists(path: str, site_dir: Path, cache: dict[str, bool]) -> bool:
    if path not in cache:
        candidate = (site_dir / path.lstrip("/")).resolve()
        root = site_dir.resolve()
        inside = candidate == root or root in candidate.parents
        if inside and candidate.is_dir():
            candidate = candidate / "index.html"
        cache[path] = inside and candidate.is_file()
    return cache[path]


def check_links(site_dir: Path, matrix: Matrix) -> LinkReport:
    missing: dict[str, _Missing] = {}
    external: dict[str, list[tuple[str, int]]] = defaultdict(list)
    exists: dict[str, bool] = {}
    pages = links = 0
    for page in sorted(site_dir.rglob("*.html")):
        pages += 1
        page_path = site_path(page, site_dir)
        for ref in parse_page(page).references:
            target = _target(ref, page_path)
            if target is None:
                continue
            links += 1
            if target is False:
                external[ref.url].append((page_path, ref.line))
            elif not _exists(target, site_dir, exists):
                entry = missing.setdefault(target, _Missing(ref.is_image))
                entry.is_image = entry.is_image or ref.is_image
                entry.pages.append((page_path, ref.line, ref.url))
    findings = [_missing_finding(target, entry) for target, entry in sorted(missing.items())]
    if matrix.inspection.external_links and external:
        findings += check_external(external)
    return LinkReport(findings, pages, links)


def _missing_finding(target: str, entry: _Missing) -> InspectionFinding:
    page, line, written = entry.pages[0]
    count = len({p for p, _, _ in entry.pages})
    where = f"{page} 第 {line} 行（写作 {written}）"
    also = f"，共 {count} 个页面引用" if count > 1 else ""
    if entry.is_image:
        return InspectionFinding("image-missing", ERROR, target,
                                 f"图片 {target} 不存在：见 {where}{also}", RULE_IMAGES, where=page)  # fmt: skip
    return InspectionFinding("link-broken", ERROR, target,
                             f"链接指向的 {target} 不存在：见 {where}{also}", RULE_LINKS, where=page)  # fmt: skip


def check_external(external: dict[str, list[tuple[str, int]]]) -> list[InspectionFinding]:
    """Ask each external URL once (HEAD, then GET when HEAD is refused)."""
    urls = sorted(external)[:EXTERNAL_LIMIT]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = dict(zip(urls, pool.map(_probe, urls), strict=True))
    findings = []
    for url, problem in answers.items():
        if problem:
            page, line = external[url][0]
            findings.append(InspectionFinding("link-external", WARNING, url,
                                              f"站外链接 {url} 无法访问（{problem}）：见 {page} 第 {line} 行",
                                              RULE_EXTERNAL, where=page))  # fmt: skip
    return findings


def _probe(url: str) -> str | None:
    import requests

    try:
        answer = requests.head(url, timeout=EXTERNAL_TIMEOUT, allow_redirects=True)
        if answer.status_code in (403, 405, 501):
            answer = requests.get(url, timeout=EXTERNAL_TIMEOUT, stream=True)
            answer.close()
    except requests.RequestException as exc:
        return type(exc).__name__
    return f"HTTP {answer.status_code}" if answer.status_code >= 400 else None
