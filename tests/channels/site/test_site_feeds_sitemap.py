"""Feeds parse cleanly with feedparser; sitemaps validate against the sitemaps.org schemas and split
into an index plus parts above the URL limit."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree
from site_fixtures import NOW, SCHEMAS, build_copy

FEEDS = ["feed.xml", "atom.xml", "news/feed.xml", "news/atom.xml", "notice/feed.xml", "notice/atom.xml",
         "topics/feed.xml", "topics/atom.xml"]


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


@pytest.mark.parametrize("name", FEEDS)
def test_feeds_parse_without_bozo(fixture_site, name):
    parsed = feedparser.parse((fixture_site.out / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title
    for entry in parsed.entries:
        assert entry.link.startswith("https://www.example.gov.cn/") and entry.title and entry.published


def test_site_feed_lists_newest_first_with_chinese_titles(fixture_site):
    parsed = feedparser.parse((fixture_site.out / "atom.xml").read_bytes())
    titles = [e.title for e in parsed.entries]
    assert titles == ["关于元旦假期政务服务安排的通知", "全市数据工作推进会召开", "数据开放日活动圆满举行",
                      "公共数据资源普查启动"]
    assert parsed.feed.language == "zh-CN"
    rss = feedparser.parse((fixture_site.out / "feed.xml").read_bytes())
    assert rss.version == "rss20" and rss.entries[0].link.endswith("/notice/2026/11/holiday-notice.html")
    assert "工作会议" in [t.term for t in rss.entries[1].tags]


def test_column_feed_holds_only_its_column(fixture_site):
    parsed = feedparser.parse((fixture_site.out / "notice/atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["关于元旦假期政务服务安排的通知"]
    empty = feedparser.parse((fixture_site.out / "topics/atom.xml").read_bytes())
    assert empty.entries == [] and not empty.bozo


def test_sitemap_validates_and_lists_every_page(fixture_site):
    doc = etree.parse(str(fixture_site.out / "sitemap.xml"))
    urlset = schema("sitemap.xsd")
    assert urlset.validate(doc), urlset.error_log
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text for loc in doc.findall(".//s:loc", ns)]
    assert locs[0] == "https://www.example.gov.cn/"
    assert "https://www.example.gov.cn/news/2026/11/city-meeting.html" in locs
    assert "https://www.example.gov.cn/notice/" in locs
    assert not any("draft-item" in loc or "future-item" in loc for loc in locs)


def test_large_sitemaps_split_into_an_index_and_parts(tmp_path, image_cache_dir):
    site = build_copy(tmp_path, now=NOW, max_urls=3, image_dir=image_cache_dir)
    # 1 home + 3 columns + 4 articles = 8 URLs -> 3 parts of at most 3.
    index = etree.parse(str(site.out / "sitemap.xml"))
    siteindex = schema("siteindex.xsd")
    assert siteindex.validate(index), siteindex.error_log
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    parts = [loc.text for loc in index.findall(".//s:loc", ns)]
    assert parts == [f"https://www.example.gov.cn/sitemap-{n}.xml" for n in (1, 2, 3)]
    urlset = schema("sitemap.xsd")
    total = 0
    for n in (1, 2, 3):
        doc = etree.parse(str(site.out / f"sitemap-{n}.xml"))
        assert urlset.validate(doc), urlset.error_log
        total += len(doc.findall(".//s:url", ns))
    assert total == 8
    # Fewer URLs later: the parts are deleted again.
    again = site.rebuild(max_urls=50_000)
    assert {"/sitemap-1.xml", "/sitemap-2.xml", "/sitemap-3.xml"} <= set(again.removed)
    assert urlset.validate(etree.parse(str(site.out / "sitemap.xml")))
