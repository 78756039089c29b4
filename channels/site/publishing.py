"""One article at a time, for the channel adapter: `publish_item` puts a rendered page (and its
images) on the site and updates every list that shows it; `retract_item` takes it down and updates
the lists. Both work on the same output folder and manifest as `build_site`, under its lock."""

from __future__ import annotations

from pathlib import Path

from channels.base import Rendition
from channels.site.builder import BuildReport
from channels.site.indexes import write_indexes
from channels.site.output import (
    Changes,
    Manifest,
    SiteWriter,
    default_state_dir,
    input_hash,
    locked,
)
from channels.site.render import ArticlePage, Entry, SiteRenderError
from channels.site.sitemap import MAX_URLS
from publisher.content.matrix import Matrix


def page_from_rendition(rendition: Rendition) -> ArticlePage:
    payload = rendition.payload
    return ArticlePage(Entry.from_dict(payload["entry"]), payload["html"], rendition.assets)


def _item_files(manifest: Manifest) -> set[str]:
    return {path for record in manifest.items.values() for path in (record.get("files") or {})}


def _live_entries(manifest: Manifest) -> list[Entry]:
    return [Entry.from_dict(r["entry"]) for r in manifest.items.values() if r.get("entry")]


def publish_item(
    out: Path, matrix: Matrix, page: ArticlePage, *, key: str | None = None, state_dir: Path | None = None,
    max_urls: int = MAX_URLS,
) -> BuildReport:
    """Put one article on the site (new or changed) and refresh the lists that show it."""
    state_dir = state_dir or default_state_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    entry = page.entry
    key = key or input_hash(page.html, sorted(a.sha256 for a in page.assets))
    with locked(state_dir):
        manifest = Manifest.load(state_dir)
        for other_id, record in manifest.items.items():
            if other_id != entry.id and (record.get("entry") or {}).get("path") == entry.path:
                raise SiteRenderError(f"网址 {entry.path} 已被条目 {other_id} 使用（请修改 slug）")
        old = manifest.items.get(entry.id) or {}
        index_files = set(manifest.files) - _item_files(manifest)
        changes = Changes()
        writer = SiteWriter(out, manifest, changes)
        writer.put(entry.path, key, page.html)
        for asset in page.assets:
            writer.put("/" + asset.name, key, asset.data)
        manifest.items[entry.id] = {
            "key": key,
            "visibility": {"publish_at": entry.published, "expire_at": entry.expires, "draft": False, "site": True},
            "entry": entry.to_dict(),
            "files": {path: False for path in sorted(writer.owned)},
        }
        write_indexes(writer, matrix, _live_entries(manifest), max_urls=max_urls)
        # Pictures are shared by content hash: only those no other article uses may go.
        writer.sweep(index_files | (set(old.get("files") or {}) - _item_files(manifest)))
        manifest.save(state_dir)
    return BuildReport.of(changes, manifest, rendered=1)


def retract_item(
    out: Path, matrix: Matrix, item_id: str, *, state_dir: Path | None = None, max_urls: int = MAX_URLS
) -> BuildReport:
    """Take one article off the site; every list, feed and the sitemap stop showing it."""
    state_dir = state_dir or default_state_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    with locked(state_dir):
        manifest = Manifest.load(state_dir)
        old = manifest.items.pop(item_id, None) or {}
        index_files = set(manifest.files) - _item_files(manifest) - set(old.get("files") or {})
        changes = Changes()
        writer = SiteWriter(out, manifest, changes)
        write_indexes(writer, matrix, _live_entries(manifest), max_urls=max_urls)
        writer.sweep(index_files | (set(old.get("files") or {}) - _item_files(manifest)))
        manifest.save(state_dir)
    return BuildReport.of(changes, manifest)
