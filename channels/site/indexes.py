"""Everything on the site that lists articles: home page, paginated column pages, RSS/Atom feeds,
sitemap — plus the stylesheet and the 404 page.

Each file's input hash covers exactly the data it shows, so when one item changes only the pages
that list it (its column's pages, the home page if it is among the latest, the feeds it is in,
the sitemap) are rendered and rewritten; the rest are not even rendered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from channels.site import theme
from channels.site.feeds import FeedSpec, feed_inputs, render_feeds
from channels.site.output import SiteWriter, input_hash
from channels.site.render import Entry
from channels.site.sitemap import MAX_URLS, SitemapUrl, render_sitemaps
from publisher.content.matrix import Matrix

HOME_PER_COLUMN = 6
FEED_SIZE = 20  # entries per feed, whatever the page size


@dataclass(frozen=True)
class ColumnInfo:
    id: str
    name: str


def settings_key(matrix: Matrix) -> str:
    """What every page depends on besides its own data: theme, site settings, columns, timezone."""
    return input_hash(
        theme.theme_version(),
        matrix.timezone,
        matrix.site.model_dump(),
        [c.model_dump() for c in matrix.columns],
        matrix.default_column,
    )


def newest_first(entries: list[Entry]) -> list[Entry]:
    # Sort on the instant, not the text: offsets may differ between items.
    return sorted(entries, key=lambda e: (e.published_at.timestamp(), e.path), reverse=True)


def site_columns(matrix: Matrix, entries: list[Entry]) -> list[ColumnInfo]:
    columns = [ColumnInfo(c.id, c.name) for c in matrix.columns]
    known = {c.id for c in columns}
    for column_id in sorted({e.column for e in entries} - known):
        columns.append(ColumnInfo(column_id, column_id))
    return columns


def _listed(entries: list[Entry], page_path: str, matrix: Matrix) -> list[dict]:
    return [
        {
            "href": theme.relative(page_path, e.path),
            "title": e.title,
            "summary": e.summary,
            "date": theme.display_date(e.published_at, matrix),
            "machine": theme.machine_time(e.published_at, matrix),
        }
        for e in entries
    ]


def _shown(entries: list[Entry]) -> list[tuple]:
    return [(e.path, e.title, e.summary, e.published) for e in entries]


def write_column_pages(writer: SiteWriter, matrix: Matrix, key: str, column: ColumnInfo, entries: list[Entry]) -> None:
    per_page = matrix.site.per_page
    page_count = max(1, -(-len(entries) // per_page))
    for number in range(1, page_count + 1):
        path = theme.column_index_path(column.id, number)
        chunk = entries[(number - 1) * per_page : number * per_page]
        file_key = input_hash(key, "column", column.id, number, page_count, _shown(chunk))
        if writer.fresh(path, file_key):
            writer.keep(path)
            continue
        pages = [
            {"number": n, "href": theme.relative(path, theme.column_index_path(column.id, n)), "current": n == number}
            for n in range(1, page_count + 1)
        ]
        title = column.name if number == 1 else f"{column.name}（第 {number} 页）"
        html = theme.render(
            "column.html.j2",
            **theme.page_frame(path, matrix, title=title, current=column.id),
            column_name=column.name,
            entries=_listed(chunk, path, matrix),
            page_number=number,
            page_count=page_count,
            pages=pages,
            prev_href=theme.relative(path, theme.column_index_path(column.id, number - 1)) if number > 1 else None,
            next_href=theme.relative(path, theme.column_index_path(column.id, number + 1)) if number < page_count else None,
            column_rss=theme.relative(path, f"/{column.id}/feed.xml"),
            column_atom=theme.relative(path, f"/{column.id}/atom.xml"),
        )
        writer.put(path, file_key, html)


def write_home(writer: SiteWriter, matrix: Matrix, key: str, columns: list[ColumnInfo], by_column: dict) -> None:
    path = "/index.html"
    latest = {c.id: by_column.get(c.id, [])[:HOME_PER_COLUMN] for c in columns}
    file_key = input_hash(key, "home", [(c.id, _shown(latest[c.id])) for c in columns])
    if writer.fresh(path, file_key):
        writer.keep(path)
        return
    sections = [
        {"id": c.id, "name": c.name, "href": theme.relative(path, theme.column_index_path(c.id)),
         "entries": _listed(latest[c.id], path, matrix)}
        for c in columns
    ]
    html = theme.render("home.html.j2", **theme.page_frame(path, matrix, title=matrix.site.title), sections=sections)
    writer.put(path, file_key, html)


def write_feeds(writer: SiteWriter, matrix: Matrix, key: str, spec: FeedSpec, entries: list[Entry]) -> None:
    shown = entries[:FEED_SIZE]
    file_key = input_hash(key, "feed", spec.title, feed_inputs(shown))
    paths = (spec.rss_path, spec.atom_path)
    if all(writer.fresh(p, file_key) for p in paths):
        for p in paths:
            writer.keep(p)
        return
    for path, data in render_feeds(spec, matrix, shown).items():
        writer.put(path, file_key, data)


def write_sitemap(writer: SiteWriter, matrix: Matrix, key: str, columns: list[ColumnInfo], by_column: dict,
                  entries: list[Entry], max_urls: int) -> None:
    newest = entries[0].published if entries else None
    urls = [SitemapUrl("/", newest)]
    for column in columns:
        listed = by_column.get(column.id, [])
        urls.append(SitemapUrl(f"/{column.id}/", listed[0].published if listed else None))
    urls.extend(SitemapUrl(e.path, e.published) for e in sorted(entries, key=lambda e: e.path))
    file_key = input_hash(key, "sitemap", max_urls, [(u.path, u.lastmod) for u in urls])
    count = 1 if len(urls) <= max_urls else 1 + -(-len(urls) // max_urls)
    paths = ["/sitemap.xml"] + [f"/sitemap-{n}.xml" for n in range(1, count)]
    if all(writer.fresh(p, file_key) for p in paths):
        for p in paths:
            writer.keep(p)
        return
    for path, data in render_sitemaps(matrix, urls, max_urls=max_urls).items():
        writer.put(path, file_key, data)


def write_fixed(writer: SiteWriter, matrix: Matrix, key: str) -> None:
    css = theme.stylesheet()
    writer.put(theme.CSS_PATH, input_hash(css.hex()[:64], len(css), theme.theme_version()), css)
    path = "/404.html"
    file_key = input_hash(key, "404")
    if writer.fresh(path, file_key):
        writer.keep(path)
    else:
        writer.put(path, file_key, theme.render("404.html.j2", **theme.page_frame(path, matrix, title="页面不存在")))


def write_indexes(writer: SiteWriter, matrix: Matrix, entries: list[Entry], *, max_urls: int = MAX_URLS) -> None:
    """Bring every listing file up to date with `entries` (the articles now on the site)."""
    key = settings_key(matrix)
    ordered = newest_first(entries)
    by_column: dict[str, list[Entry]] = defaultdict(list)
    for entry in ordered:
        by_column[entry.column].append(entry)
    columns = site_columns(matrix, ordered)
    write_fixed(writer, matrix, key)
    write_home(writer, matrix, key, columns, by_column)
    for column in columns:
        write_column_pages(writer, matrix, key, column, by_column.get(column.id, []))
        write_feeds(writer, matrix, key, FeedSpec.column(matrix, column.id, column.name), by_column.get(column.id, []))
    write_feeds(writer, matrix, key, FeedSpec.site(matrix), ordered)
    write_sitemap(writer, matrix, key, columns, by_column, ordered, max_urls)
