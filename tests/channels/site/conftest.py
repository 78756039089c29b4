"""Fixtures for the site tests: the fixture content root built once per session, or afresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_fixtures import BuiltSite, build_copy


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
