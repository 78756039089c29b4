"""Fixtures for the site tests: the fixture content root built once per session, or afresh."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from site_fixtures import SAMPLE_ROOT, BuiltSite, build_copy, write_xss_content

from channels.site.builder import build_site
from publisher.content.matrix import load_matrix

SAMPLE_NOW = datetime(2028, 12, 31, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # every sample item due


@pytest.fixture(scope="session")
def image_cache_dir(tmp_path_factory) -> Path:
    """Prepared images shared by the tests' builds, so each picture is encoded once per session."""
    return tmp_path_factory.mktemp("site-images")


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory, image_cache_dir) -> BuiltSite:
    """The fixture content built once (read-only: tests that change things build their own)."""
    return build_copy(tmp_path_factory.mktemp("fixture-site"), image_dir=image_cache_dir)


@pytest.fixture
def fresh_site(tmp_path, image_cache_dir) -> BuiltSite:
    site = build_copy(tmp_path, image_dir=image_cache_dir)
    site.image_dir = image_cache_dir
    return site


@pytest.fixture(scope="session")
def xss_site(tmp_path_factory, image_cache_dir) -> BuiltSite:
    """Hostile bodies and front matter (script, handlers, javascript: URLs, SVG, style tricks)."""
    base = tmp_path_factory.mktemp("xss-site")
    root = write_xss_content(base / "content")
    matrix = load_matrix(root)
    out, state = base / "site", base / "state"
    report = build_site(root, matrix, out, state_dir=state, now=SAMPLE_NOW, image_dir=image_cache_dir)
    return BuiltSite(root, matrix, out, state, report)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory, image_cache_dir) -> BuiltSite:
    """The sample content repo (content/) built as it is; skipped while it does not exist yet."""
    if not (SAMPLE_ROOT / "publisher.toml").is_file():
        pytest.skip("content/ 示例内容库尚不存在")
    return build_copy(tmp_path_factory.mktemp("sample-site"), SAMPLE_ROOT, now=SAMPLE_NOW, image_dir=image_cache_dir)
