"""build_site over the fixture content: what is on the site, what is skipped and why, incremental
rebuilds (only what changed is rewritten), removals, determinism, the process pool."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from site_fixtures import NOW, build_copy, write_item

from channels.site import builder
from channels.site.builder import build_site

ARTICLES = {
    "/news/2026/11/city-meeting.html",
    "/news/2026/11/open-day.html",
    "/news/2026/10/survey.html",
    "/notice/2026/11/holiday-notice.html",
}


def html_pages(out: Path) -> set[str]:
    return {"/" + p.relative_to(out).as_posix() for p in out.rglob("*.html")}


def links_in(out: Path) -> set[str]:
    """Every href target of every page, resolved to a site path."""
    found = set()
    for page in out.rglob("*.html"):
        for href in re.findall(r'href="([^"#:]+)"', page.read_text()):
            target = (page.parent / href).resolve()
            found.add("/" + target.relative_to(out.resolve()).as_posix())
    return found


def test_only_live_site_items_become_pages(fixture_site):
    pages = html_pages(fixture_site.out)
    assert pages >= ARTICLES
    articles = {p for p in pages if re.match(r"^/\w+/\d{4}/\d{2}/", p)}
    assert articles == ARTICLES  # no draft, future, expired, wechat-only or broken item
    assert {"/index.html", "/404.html", "/news/index.html", "/news/page/2.html", "/notice/index.html",
            "/topics/index.html"} <= pages
    assert fixture_site.report.pages == len(pages)


def test_bad_items_are_skipped_with_a_chinese_message_naming_the_file(fixture_site):
    problems = "\n".join(fixture_site.report.problems)
    assert "items/2026/11/missing-image/index.md" in problems and "nowhere.jpg" in problems
    assert "items/2026/11/broken-yaml/index.md" in problems
    assert all(p.startswith("已跳过") for p in fixture_site.report.problems)
    assert len(fixture_site.report.problems) == 2


def test_every_internal_link_resolves(fixture_site):
    out = fixture_site.out
    missing = sorted(p for p in links_in(out) if not (out / p.lstrip("/")).exists())
    assert missing == []


def test_pagination_follows_per_page(fixture_site):
    first = (fixture_site.out / "news/index.html").read_text()
    second = (fixture_site.out / "news/page/2.html").read_text()
    # per_page = 2, newest first: city-meeting (11-20), open-day (11-12) | survey (10-08)
    assert first.index("全市数据工作推进会召开") < first.index("数据开放日活动圆满举行")
    assert "公共数据资源普查启动" not in first and "公共数据资源普查启动" in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_rebuild_with_nothing_changed_writes_nothing(fresh_site):
    again = fresh_site.rebuild()
    assert again.written == [] and again.removed == [] and again.rendered == 0
    assert set(again.unchanged) == set(fresh_site.report.written)


def test_changing_one_item_rewrites_only_its_page_and_the_lists_showing_it(fresh_site):
    out = fresh_site.out
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    index = fresh_site.root / "items/2026/11/holiday-notice/index.md"
    index.write_text(index.read_text().replace("暂停窗口服务", "暂停部分窗口服务"), encoding="utf-8")
    report = fresh_site.rebuild()
    assert report.rendered == 1
    # Only the body changed: the lists show title/summary/date — summary comes from the body here.
    assert set(report.written) <= {"/notice/2026/11/holiday-notice.html", "/notice/index.html",
                                   "/notice/feed.xml", "/notice/atom.xml", "/feed.xml", "/atom.xml"}
    assert "/notice/2026/11/holiday-notice.html" in report.written
    for untouched in ("news/index.html", "news/2026/11/city-meeting.html", "topics/index.html"):
        assert (out / untouched).stat().st_mtime_ns == before[out / untouched]
    assert "暂停部分窗口服务" in (out / "notice/2026/11/holiday-notice.html").read_text()


def test_a_title_change_reaches_home_column_feeds_but_not_other_columns(fresh_site):
    index = fresh_site.root / "items/2026/11/city-meeting/index.md"
    index.write_text(index.read_text().replace("推进会召开", "推进会在市行政中心召开"), encoding="utf-8")
    report = fresh_site.rebuild()
    assert {"/news/2026/11/city-meeting.html", "/index.html", "/news/index.html", "/news/feed.xml",
            "/feed.xml", "/atom.xml"} <= set(report.written)
    assert not any(p.startswith(("/notice/", "/topics/")) for p in report.written)
    assert "/sitemap.xml" not in report.written  # same URLs, same dates
    assert "推进会在市行政中心召开" in (fresh_site.out / "index.html").read_text()


def test_removed_item_is_gone_everywhere(fresh_site):
    import shutil

    out = fresh_site.out
    page = (out / "news/2026/11/city-meeting.html").read_text()
    media = set(re.findall(r"media/[0-9a-f/]+-\d+\.(?:jpg|png)", page))
    assert len(media) >= 4
    shutil.rmtree(fresh_site.root / "items/2026/11/city-meeting")
    report = fresh_site.rebuild()
    assert "/news/2026/11/city-meeting.html" in report.removed
    assert not (out / "news/2026/11/city-meeting.html").exists()
    assert not any((out / m).exists() for m in media)  # its pictures went too
    assert "/news/2026/11/city-meeting.html" not in links_in(out)
    for name in ("feed.xml", "atom.xml", "sitemap.xml", "news/feed.xml", "index.html", "news/index.html"):
        assert "city-meeting" not in (out / name).read_text()
    # Pagination shrank: 2 items left in news fit on one page.
    assert "/news/page/2.html" in report.removed


def test_expiry_and_due_time_follow_now(fresh_site):
    later = fresh_site.rebuild(now=NOW.replace(year=2027, month=2))
    assert "/topics/2027/01/future-item.html" not in later.written  # default column is news
    assert "/news/2027/01/future-item.html" in later.written
    assert later.rendered == 1  # only the newly due item was parsed and rendered
    write_item(fresh_site.root, "2026/11/short-lived", """
title: 限时公告
author: 陈静
department: 政务服务处
publish_at: 2026-11-30 09:00
expire_at: 2027-01-10 00:00
column: notice
""", "限时公告正文。\n")
    report = fresh_site.rebuild(now=NOW.replace(year=2027, month=2))
    assert not (fresh_site.out / "notice/2026/11/short-lived.html").exists()
    assert report.rendered == 1
    report = fresh_site.rebuild(now=NOW + timedelta(days=1))
    assert "/notice/2026/11/short-lived.html" in report.written
    assert "/news/2027/01/future-item.html" in report.removed


def test_same_inputs_give_the_same_bytes(tmp_path):
    first = build_copy(tmp_path / "a")
    second = build_copy(tmp_path / "b")
    files_a = {p.relative_to(first.out): p.read_bytes() for p in first.out.rglob("*") if p.is_file()}
    files_b = {p.relative_to(second.out): p.read_bytes() for p in second.out.rglob("*") if p.is_file()}
    assert files_a == files_b


def test_url_collision_skips_the_second_item(fresh_site):
    write_item(fresh_site.root, "2026/11/zz-copy", """
title: 同名稿件
author: 李华
department: 数据资源处
publish_at: 2026-11-12 16:00
slug: open-day
""", "另一篇稿件用了同一个网址。\n")
    report = fresh_site.rebuild()
    assert any("zz-copy" in p and "/news/2026/11/open-day.html" in p for p in report.problems)
    assert "数据开放日活动圆满举行" in (fresh_site.out / "news/2026/11/open-day.html").read_text()


def test_many_items_build_in_a_process_pool(tmp_path, monkeypatch):
    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text(
        (Path(__file__).parents[2] / "fixtures/site_content/publisher.toml").read_text(), encoding="utf-8")
    count = builder.PARALLEL_MIN + 12
    for n in range(count):
        write_item(root, f"2026/11/item-{n:03d}", f"""
title: 第 {n} 号稿件
author: 作者{n}
department: 办公室
publish_at: 2026-11-{1 + n % 28:02d} {n % 24:02d}:00
column: {"news" if n % 2 else "notice"}
""", f"第 {n} 号稿件正文。\n")
    from publisher.content.matrix import load_matrix

    matrix = load_matrix(root)
    pools: list[int] = []

    real_pool = builder.worker_pool

    def counting_pool(workers, **options):
        pools.append(workers)
        return real_pool(workers, **options)

    monkeypatch.setattr(builder, "worker_pool", counting_pool)
    report = build_site(root, matrix, tmp_path / "site", now=NOW, workers=2, state_dir=tmp_path / "state")
    assert pools == [1]  # this process renders too: one pool worker besides it
    assert report.rendered == count and report.problems == []
    assert len(list((tmp_path / "site").rglob("item-*.html"))) == count
    serial = build_site(root, matrix, tmp_path / "serial", now=NOW, workers=1, state_dir=tmp_path / "state1")
    assert pools == [1] and serial.rendered == count
    files = sorted(p.relative_to(tmp_path / "site") for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*") if p.is_file())
    assert all((tmp_path / "site" / f).read_bytes() == (tmp_path / "serial" / f).read_bytes() for f in files)
