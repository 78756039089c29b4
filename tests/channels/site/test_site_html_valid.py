"""Every page of every built site passes the Nu HTML Checker (one checker run for all of them)."""

from __future__ import annotations

from site_fixtures import run_vnu


def test_every_page_is_valid_html5(fixture_site, xss_site, sample_site):
    pages = [p for site in (fixture_site, xss_site, sample_site) for p in sorted(site.out.rglob("*.html"))]
    assert len(pages) >= 30
    errors = run_vnu(pages)
    assert errors == [], "\n".join(f"{e.get('url')}:{e.get('lastLine')}: {e.get('message')}" for e in errors)


def test_sample_content_builds_without_skipping_items(sample_site):
    assert sample_site.report.problems == []
    articles = [p for p in sample_site.out.rglob("*.html") if p.parent.name.isdigit()]
    assert len(articles) >= 10
