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
from publisher.matrix import Matrix, load_matrix

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
