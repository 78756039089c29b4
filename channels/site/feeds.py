"""RSS 2.0 and Atom feeds (feedgen) for the whole site and for each column.

Feeds are deterministic: every date feedgen would otherwise take from the clock (`lastBuildDate`,
Atom `updated`) is set from the newest entry, so an unchanged feed is byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from channels.site.render import Entry
from publisher.content.matrix import Matrix

EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # a fixed date for a feed with no entries


@dataclass(frozen=True)
class FeedSpec:
    """One feed pair: where it lives and what it is called."""

    title: str
    page_path: str  # the HTML page the feed mirrors
    rss_path: str
    atom_path: str

    @classmethod
    def site(cls, matrix: Matrix) -> FeedSpec:
        return cls(matrix.site.title, "/", "/feed.xml", "/atom.xml")

    @classmethod
    def column(cls, matrix: Matrix, column_id: str, column_name: str) -> FeedSpec:
        return cls(f"{column_name} - {matrix.site.title}", f"/{column_id}/", f"/{column_id}/feed.xml",
                   f"/{column_id}/atom.xml")


def feed_inputs(entries: list[Entry]) -> list[tuple]:
    """The data a feed shows, for its input hash."""
    return [(e.path, e.title, e.summary, e.published, e.author, e.department, e.tags) for e in entries]


def _generator(spec: FeedSpec, matrix: Matrix, entries: list[Entry]):
    from feedgen.feed import FeedGenerator  # with lxml, ≈0.1 s to import: only when a feed changed

    base = matrix.site.base_url
    fg = FeedGenerator()
    fg.id(base + spec.atom_path)
    fg.title(spec.title)
    fg.subtitle(matrix.site.description or spec.title)
    fg.author({"name": matrix.site.title})
    fg.link(href=base + spec.page_path, rel="alternate")
    fg.language(matrix.site.language)
    fg.generator("matrix-publisher")
    newest = max((e.published_at for e in entries), default=EMPTY_FEED_DATE)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    # feedgen prepends each new entry; add oldest first so the feed reads newest first.
    for entry in reversed(entries):
        fe = fg.add_entry()
        url = base + entry.path
        fe.id(url)
        fe.guid(url, permalink=True)
        fe.title(entry.title)
        fe.link(href=url, rel="alternate")
        fe.author({"name": entry.author})
        fe.published(entry.published_at)
        fe.updated(entry.published_at)
        if entry.summary:
            fe.summary(entry.summary)
            fe.description(entry.summary)
        for tag in entry.tags:
            fe.category(term=tag)
    return fg


def render_feeds(spec: FeedSpec, matrix: Matrix, entries: list[Entry]) -> dict[str, bytes]:
    """{site path: bytes} for the RSS and Atom files of `entries` (already newest first)."""
    fg = _generator(spec, matrix, entries)
    return {
        spec.rss_path: fg.rss_str(pretty=True),
        spec.atom_path: fg.atom_str(pretty=True),
    }
