"""`build_site`: the whole static site from the content repo, full or incremental.

Incremental by input hashes (see output.py): an item whose `index.md` bytes and folder listing are
unchanged is not parsed or rendered again; the manifest remembers its list entry and whether it is
due. Many items to render go to a process pool in chunks (the loader parses inside the workers,
and workers write their own pages and images, so only small records travel back). A bad item is
skipped with a Chinese message naming its file; the build goes on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from channels.site.config import SiteConfig
from channels.site.indexes import settings_key, write_indexes
from channels.site.output import (
    Changes,
    Manifest,
    SiteWriter,
    default_state_dir,
    input_hash,
    locked,
    remove_file,
    site_file,
    write_if_changed,
)
from channels.site.render import Entry, SiteRenderError, render_article
from channels.site.sitemap import MAX_URLS
from channels.site.visibility import is_live, visibility
from publisher.findings import display_path
from publisher.images import ImageCache
from publisher.loader import discover, item_id, load_item
from publisher.matrix import Matrix
from publisher.model import ContentItem

PARALLEL_MIN = 48  # below this many items to render, a pool costs more than it saves


@dataclass
class BuildReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pages: int = 0  # HTML pages on the site after the build
    rendered: int = 0  # items rendered this run (the rest came from the manifest)
    problems: list[str] = field(default_factory=list)  # skipped items, in Chinese

    @classmethod
    def of(cls, changes: Changes, manifest: Manifest, rendered: int = 0, problems: list[str] | None = None) -> BuildReport:
        return cls(sorted(changes.written), sorted(changes.unchanged), sorted(changes.removed),
                   sum(1 for p in manifest.files if p.endswith(".html")), rendered, problems or [])


@dataclass(frozen=True)
class RenderJob:
    """Shared by every chunk sent to a worker."""

    root: Path
    matrix: Matrix
    out: Path
    cache_dir: Path
    widths: tuple[int, ...]
    quality: int
    now: datetime


def _folder_signature(folder: Path) -> list[tuple[str, int, int]]:
    """Names, sizes and mtimes of the item's other files: a changed picture changes the key."""
    found = []
    for base, _dirs, files in os.walk(folder):
        for name in files:
            if name == "index.md" and base == str(folder):
                continue
            stat = os.stat(os.path.join(base, name))
            found.append((os.path.relpath(os.path.join(base, name), folder), stat.st_size, stat.st_mtime_ns))
    return sorted(found)


def item_key(source: bytes, folder: Path) -> str:
    return input_hash(hashlib.sha256(source).hexdigest(), _folder_signature(folder))


def _render_one(job: RenderJob, item_id_: str, source: Path | ContentItem, key: str) -> dict[str, Any]:
    if isinstance(source, ContentItem):
        item = source
    else:
        item, findings = load_item(source, job.root, job.matrix)
        if item is None:
            errors = "；".join(f.message for f in findings if f.is_error) or "无法读取"
            shown = display_path(source, job.root)
            return {"key": key, "visibility": None, "problem": f"已跳过 {shown}：{errors}"}
    record: dict[str, Any] = {"key": key, "visibility": visibility(item, job.matrix), "entry": None, "files": {}}
    if not is_live(record["visibility"], job.now):
        return record
    try:
        page = render_article(item, job.matrix, image_cache=ImageCache(job.cache_dir), widths=job.widths,
                              quality=job.quality)
    except SiteRenderError as exc:
        return {"key": key, "visibility": record["visibility"], "problem": f"已跳过 {item.display_path}：{exc}"}
    files = {page.entry.path: write_if_changed(site_file(job.out, page.entry.path), page.html.encode())}
    for asset in page.assets:
        files["/" + asset.name] = write_if_changed(site_file(job.out, "/" + asset.name), asset.data)
    record.update(entry=page.entry.to_dict(), files=files, rendered=True)
    return record


def _render_chunk(job: RenderJob, chunk: list[tuple[str, Path | ContentItem, str]]) -> list[tuple[str, dict]]:
    return [(iid, _render_one(job, iid, source, key)) for iid, source, key in chunk]


def _pool_context():
    # fork is fast and safe from a single-threaded CLI; with other threads alive, forkserver.
    return multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")


def _render_all(job: RenderJob, todo: list, workers: int | None) -> dict[str, dict]:
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(todo) < PARALLEL_MIN:
        return dict(_render_chunk(job, todo))
    size = max(8, len(todo) // (workers * 6))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    results: dict[str, dict] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        for done in pool.map(_render_chunk, [job] * len(chunks), chunks):
            results.update(done)
    return results


def _sources(root: Path, items: list[ContentItem] | None) -> list[tuple[str, Path | ContentItem, str]]:
    if items is not None:
        return sorted((it.id, it, item_key(it.source_bytes, it.folder)) for it in items)
    found = []
    for path in discover(root):
        try:
            key = item_key(path.read_bytes(), path.parent)
        except OSError:
            key = "unreadable"
        found.append((item_id(path, root), path, key))
    return sorted(found, key=lambda t: t[0])


def _needs_render(old: dict | None, key: str, now: datetime, out: Path) -> bool:
    if old is None or old.get("key") != key:
        return True
    if old.get("problem") or not is_live(old.get("visibility"), now):
        return False
    entry = old.get("entry")
    return entry is None or not site_file(out, entry["path"]).is_file()


def build_site(
    root: Path,
    matrix: Matrix,
    out: Path,
    *,
    now: datetime | None = None,
    items: list[ContentItem] | None = None,
    state_dir: Path | None = None,
    workers: int | None = None,
    config: SiteConfig | None = None,
    image_dir: Path | None = None,
    max_urls: int = MAX_URLS,
) -> BuildReport:
    """Build (or bring up to date) the site in `out` from every item live at `now`."""
    now = now or datetime.now(matrix.tz)
    config = config or SiteConfig()
    state_dir = state_dir or default_state_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    with locked(state_dir):
        manifest = Manifest.load(state_dir)
        settings = input_hash(settings_key(matrix), config.image_widths, config.image_quality)
        previous = manifest.items if manifest.settings == settings else {}
        job = RenderJob(root, matrix, out, image_dir or state_dir / "images", tuple(config.image_widths), config.image_quality, now)

        records: dict[str, dict] = {}
        todo = []
        sources = _sources(root, items)
        for iid, source, key in sources:
            old = previous.get(iid)
            if _needs_render(old, key, now, out):
                todo.append((iid, source, key))
            else:
                records[iid] = old
        records.update(_render_all(job, todo, workers))

        changes = Changes()
        writer = SiteWriter(out, manifest, changes)
        problems: list[str] = []
        entries: list[Entry] = []
        owner: dict[str, str] = {}
        overwritten: set[str] = set()
        for iid in sorted(records):
            record = records[iid]
            files = record.get("files") or {}
            if record.get("problem"):
                problems.append(record["problem"])
                continue
            if not is_live(record.get("visibility"), now) or not record.get("entry"):
                record.update(entry=None, files={})
                continue
            entry = Entry.from_dict(record["entry"])
            if entry.path in owner:
                problems.append(f"已跳过条目 {iid}：网址 {entry.path} 与条目 {owner[entry.path]} 相同（请修改 slug）")
                if record.get("rendered"):
                    overwritten.add(entry.path)
                _discard(out, writer, files, record)
                continue
            owner[entry.path] = iid
            page_key = input_hash(settings, record["key"])
            for path, written in files.items():
                if record.get("rendered"):
                    writer.record(path, page_key, bool(written))
                else:
                    writer.keep(path)
            entries.append(entry)
        by_id = {iid: source for iid, source, _ in sources}
        for path in sorted(overwritten):
            winner = owner[path]
            _repair(job, winner, by_id[winner], records[winner], writer, input_hash(settings, records[winner]["key"]))

        write_indexes(writer, matrix, entries, max_urls=max_urls)
        writer.sweep()
        for record in records.values():
            record.pop("rendered", None)
            record["files"] = {p: False for p in record.get("files") or {}}
        manifest.items, manifest.settings = records, settings
        manifest.save(state_dir)
    return BuildReport.of(changes, manifest, rendered=len(todo), problems=problems)


def _discard(out: Path, writer: SiteWriter, files: dict, record: dict) -> None:
    """A colliding item's own files (its images) go, unless the winner owns them too."""
    if record.get("rendered"):
        for path in files:
            if path not in writer.owned and path not in writer.manifest.files:
                remove_file(out, path)
    record.update(entry=None, files={})


def _repair(job: RenderJob, iid: str, source: Path | ContentItem, record: dict, writer: SiteWriter, page_key: str) -> None:
    """A losing item rendered this run may have overwritten the winner's page: render it again."""
    redone = _render_one(job, iid, source, record["key"])
    for path, written in (redone.get("files") or {}).items():
        if written:
            writer.changes.unchanged = [p for p in writer.changes.unchanged if p != path]
            writer.record(path, page_key, True)
