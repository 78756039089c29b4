"""Helpers for the site tests: the fixture content root, fixed clocks, the external checkers
(Nu HTML Checker, headless Chromium) found or failed on loudly under CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from channels.site.builder import BuildReport, build_site
from publisher.content.matrix import Matrix, load_matrix

REPO = Path(__file__).resolve().parents[3]
FIXTURE_ROOT = REPO / "tests" / "fixtures" / "site_content"
SAMPLE_ROOT = REPO / "content"
GOLDEN = REPO / "tests" / "golden" / "site"
SCHEMAS = REPO / "tests" / "fixtures" / "sitemaps"
VNU_JAR = REPO / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def missing_tool(message: str) -> None:
    """Under CI a missing checker is a failure, elsewhere a skip with the reason."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}（CI 环境必须安装；运行 bash scripts/system-deps.sh）")
    pytest.skip(message)


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        missing_tool(f"缺少 Nu HTML Checker：需要 java 和 {VNU_JAR}")
    return [java, "-jar", str(VNU_JAR)]


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    missing_tool("缺少 headless Chromium（apt-get install chromium）")
    raise AssertionError  # unreachable


@dataclass
class BuiltSite:
    root: Path
    matrix: Matrix
    out: Path
    state: Path
    report: BuildReport
    image_dir: Path | None = None

    def rebuild(self, **options) -> BuildReport:
        options.setdefault("now", NOW)
        options.setdefault("image_dir", self.image_dir)
        return build_site(self.root, self.matrix, self.out, state_dir=self.state, **options)


def build_copy(tmp: Path, source: Path = FIXTURE_ROOT, **options) -> BuiltSite:
    root = copy_root(source, tmp / "content")
    matrix = load_matrix(root)
    out, state = tmp / "site", tmp / "state"
    options.setdefault("now", NOW)
    report = build_site(root, matrix, out, state_dir=state, **options)
    return BuiltSite(root, matrix, out, state, report)


def copy_root(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def run_vnu(files: list[Path]) -> list[dict]:
    """One Nu HTML Checker run over every file; returns its error messages."""
    import json

    done = subprocess.run([*vnu_command(), "--errors-only", "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    report = json.loads(done.stderr or done.stdout)
    return [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]


def write_item(root: Path, item_id: str, front: str, body: str, files: dict[str, bytes] | None = None) -> Path:
    folder = root / "items" / item_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.md"
    path.write_text(f"---\n{front.strip()}\n---\n\n{body}", encoding="utf-8")
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
    return path


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "navy").save(buffer, "PNG")
    return buffer.getvalue()


TINY_PNG = _tiny_png()  # the `src=x` the payloads point at exists, so the <img> itself survives
SET = "document.documentElement.setAttribute('data-pwned','{tag}')"
# Bodies: every trick should be dropped by the sanitizer; if one survived, it would mark <html>.
XSS_BODIES = {
    "script": f"<script>{SET.format(tag='script')};alert(1)</script>\n\n正文一。",
    "onerror": f'<img src="x" onerror="{SET.format(tag="onerror")};alert(2)">\n\n正文二。',
    "svg": f'<svg onload="{SET.format(tag="svg")}"><script>{SET.format(tag="svg-script")}</script></svg>\n\n正文三。',
    "javascript-url": "[点我](javascript:alert(3)) [再点](JaVaScRiPt:alert(4)) [三点](&#106;avascript:alert(5))\n\n"
                      '<a href="javascript:alert(6)">链接</a> ![图](javascript:alert(7))',
    "iframe-object": '<iframe src="javascript:alert(8)"></iframe><object data="javascript:alert(9)"></object>'
                     '<embed src="javascript:alert(10)">\n\n正文五。',
    "style": '<style>body{background:url("javascript:alert(11)")}</style>'
             '<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:red">盖住整页</p>\n\n正文六。',
    "events": f'<details open ontoggle="{SET.format(tag="details")}"><summary>x</summary></details>'
              f'<body onload="{SET.format(tag="body")}"><div onmouseover="alert(12)">悬停</div>\n\n正文七。',
    "meta-base-form": '<meta http-equiv="refresh" content="0;url=javascript:alert(13)"><base href="javascript:alert(14)//">'
                      '<form action="javascript:alert(15)"><button>提交</button></form>\n\n正文八。',
    "mutation": f'<noscript><p title="</noscript><img src=x onerror={SET.format(tag="noscript")}>"></noscript>'
                f'<!--<img src="--><img src=x onerror={SET.format(tag="comment")}>-->'
                f'<math><mi xlink:href="javascript:alert(16)">数学</mi></math>\n\n正文九。',
    "data-uri": '<a href="data:text/html,<script>alert(17)</script>">数据链接</a>'
                '<img src="data:image/svg+xml,<svg onload=alert(18)>">\n\n正文十。',
}
XSS_FRONT = """
title: '标题</title><script>{set}</script>'
author: '<img src=x onerror="{set}">'
department: '"><svg onload="{set}">'
summary: '摘要</p><script>{set}</script>'
tags: ['<svg/onload=alert(19)>', 'javascript:alert(20)']
publish_at: 2026-11-{day:02d} 09:00
"""


def write_xss_content(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "publisher.toml").write_text((FIXTURE_ROOT / "publisher.toml").read_text(), encoding="utf-8")
    for day, (name, body) in enumerate(sorted(XSS_BODIES.items()), start=1):
        front = XSS_FRONT.format(set=SET.format(tag=f"front-{name}").replace("'", "''"), day=day)
        write_item(root, f"2026/11/xss-{name}", front, body + "\n", {"x": TINY_PNG})
    return root
