"""`build_site`: the whole static site from the content repo, full or incremental.

Incremental by input hashes (see output.py): an item whose `index.md` bytes and folder listing are
unchanged is not parsed or rendered again; the manifest remembers its list entry and whether it is
due. Many items to render go to a process pool in chunks (the loader parses inside the workers,
and workers write their own pages and images, so only small records travel back). A bad item is
skipped with a Chinese message naming its file; the build goes on.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from channels.site.config import SiteConfig
from channels.site.indexes import settings_key, write_indexes
from channels.site.output import (
    MANIFEST_NAME,
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
from channels.site.render import ArticlePage, Entry, SiteRenderError, render_article
from channels.site.sitemap import MAX_URLS
from channels.site.visibility import is_live, visibility
from publisher.content.findings import display_path
from publisher.content.loader import ITEM_FILE, ITEMS_DIR, load_item
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.process_pool import worker_pool
from publisher.render.images import ImageCache

PARALLEL_MIN = 48  # below this many items to render, a pool costs more than it saves


@dataclass
class BuildReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pages: int = 0  # HTML pages on the site after the build
    rendered: int = 0  # items rendered this run (the rest came from the manifest)
    problems: list[str] = field(default_factory=list)  # skipped items, in Chinese
    blocked: int = 0  # with a gate: items it kept off the site (checked now or before, unchanged since)
    passed: int = 0  # with a gate: items it let through (live or not)
    owned: int = 0  # files on the site after the build (what a no-op build reports as unchanged)
    # With `record_inputs`: what this build read and wrote, for a caller that wants to know
    # later, by stat alone, that nothing changed since (see `_scan`): {"items": [(folder, mtime,
    # [(name, size, mtime, ctime)])], "out": [(folder, mtime)], "manifest": (path, size, mtime),
    # "next_change": the first instant (epoch seconds) an item's dates put it on or off the site}.
    inputs: dict | None = None

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
    from_ledger: bool = False  # items are what the ledger holds as published: all of them are live
    # Decides, in the worker, whether a loaded item may have a page at all (Channel.build_pages;
    # the preview's "passes every check"); its `key` is part of the manifest's settings, so a
    # verdict is reused only while the item's files and everything the gate depends on are unchanged.
    gate: Any = None


# What the manifest remembers of an item the ledger put on the site: live whatever its own dates
# say (an item published early with `publisher publish --now` is on the site before its publish_at).
LEDGER_LIVE = {"publish_at": "0001-01-01T00:00:00+00:00", "expire_at": None, "draft": False, "site": True}


@dataclass
class Source:
    """One item folder found on disk: its id, its index.md and a cheap signature of its files."""

    id: str
    file: str  # the index.md, as a string: Path objects for 10,000 folders cost more than the scan
    # (name, size, mtime_ns, ctime_ns) of every file, index.md too. ctime: an edit that keeps the
    # size and puts the old mtime back (touch -d, rsync -t, an archive unpacked) still moves it.
    signature: list[tuple[str, int, int, int]]
    key: str = ""  # content key, computed only when the signature changed

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def quick(self) -> str:
        # Compared only with what this builder stored itself; repr of ints and names is stable.
        return hashlib.blake2b(repr(self.signature).encode(), digest_size=16).hexdigest()

    def content_key(self) -> str:
        """index.md by content; pictures by name, size, mtime and ctime (cheap, and a changed
        picture changes one of them)."""
        with open(self.file, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        return input_hash(digest, [f for f in self.signature if f[0] != ITEM_FILE])


def _scan(root: Path, record: list | None = None) -> list[Source]:
    """Every item folder under items/ with its files' stats, in one pass of scandir (no rglob,
    no resolve: this runs on every build over every item).

    `record`: gets (folder, its mtime taken before listing it, [(file name, size, mtime)]) for
    every folder walked — what a later run can compare by stat alone (no listing) to know that
    nothing under items/ changed since (a folder's mtime moves when an entry is added, removed
    or renamed in it; a file's own stat when it is rewritten)."""
    base = os.path.join(root, ITEMS_DIR)
    found: list[Source] = []

    def walk(folder: str, rel: str, owner: Source | None, prefix: str) -> None:
        try:
            mtime = os.stat(folder).st_mtime_ns if record is not None else 0
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            return
        here: list[tuple[str, int, int]] = []
        if record is not None:
            record.append((folder, mtime, here))
        for entry in entries:
            if entry.name == ITEM_FILE:
                owner = Source(rel, entry.path, [])
                found.append(owner)
                prefix = ""
                break
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{rel}/{entry.name}" if rel else entry.name, owner,
                     f"{prefix}{entry.name}/")
            elif owner is not None:
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                owner.signature.append((prefix + entry.name, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
                here.append((entry.name, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))

    walk(base, "", None, "")
    for source in found:
        source.signature.sort()
    return sorted(found, key=lambda s: s.id)


def item_key(source: bytes, folder: Path) -> str:
    """The content key of a pre-loaded item (same shape as Source.content_key)."""
    others = []
    for base, _dirs, files in os.walk(folder):
        for name in files:
            full = os.path.join(base, name)
            rel = os.path.relpath(full, folder)
            if rel != ITEM_FILE:
                stat = os.stat(full)
                others.append((rel, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return input_hash(hashlib.sha256(source).hexdigest(), sorted(others))


def _render_one(job: RenderJob, item_id_: str, source: Path | ContentItem, key: str) -> dict[str, Any]:
    page = None
    if isinstance(source, ContentItem):
        item = source
    else:
        item, findings = load_item(source, job.root, job.matrix)
        if job.gate is not None:
            passed, rendition = job.gate.judge(item, findings)
            if not passed:
                return {"key": key, "visibility": None, "blocked": True}
            if rendition is not None and not rendition.payload.get("problem"):
                # The site channel's own rendition (what its check rendered): this very page.
                payload = rendition.payload
                page = ArticlePage(Entry.from_dict(payload["entry"]), payload["html"], tuple(rendition.assets))
        if item is None:
            errors = "；".join(f.message for f in findings if f.is_error) or "无法读取"
            shown = display_path(source, job.root)
            return {"key": key, "visibility": None, "problem": f"已跳过 {shown}：{errors}"}
    facts = LEDGER_LIVE if job.from_ledger else visibility(item, job.matrix)
    record: dict[str, Any] = {"key": key, "visibility": facts, "entry": None, "files": {}}
    if not is_live(record["visibility"], job.now):
        return record
    try:
        # The gate may have rendered this very page already (the site's own check renders it).
        page = page or render_article(item, job.matrix, image_cache=ImageCache(job.cache_dir), widths=job.widths,
                                      quality=job.quality)
    except SiteRenderError as exc:
        return {"key": key, "visibility": record["visibility"], "problem": f"已跳过 {item.display_path}：{exc}"}
    files = {page.entry.path: write_if_changed(site_file(job.out, page.entry.path), page.html.encode())}
    for asset in page.assets:
        target = site_file(job.out, "/" + asset.name)
        # Named by content hash: an existing file already holds these bytes.
        files["/" + asset.name] = False if target.is_file() else write_if_changed(target, asset.data)
    record.update(entry=page.entry.to_dict(), files=files, rendered=True)
    return record


def _render_chunk(job: RenderJob, chunk: list[tuple[str, Path | ContentItem, str]]) -> list[tuple[str, dict]]:
    return [(iid, _render_one(job, iid, source, key)) for iid, source, key in chunk]


_worker_job: RenderJob | None = None


def _init_worker(job: RenderJob) -> None:
    """The job travels once per worker process, not once per chunk (its matrix, the gate's context)."""
    global _worker_job
    _worker_job = job


def _render_chunk_in_worker(chunk: list[tuple[str, Path | ContentItem, str]]) -> list[tuple[str, dict]]:
    assert _worker_job is not None
    return _render_chunk(_worker_job, chunk)


def _render_all(job: RenderJob, todo: list, workers: int | None) -> dict[str, dict]:
    """`workers` processes render: this one and `workers - 1` pool workers, taking chunks from one
    queue. A pool of `workers` beside a process that only waited held one worker too many: its
    imports and picture buffers were ≈ 100–130 MB of a cold build's 306–326 MB over all processes.

    What this process holds already (imports, the manifest, the scan) is frozen out of the garbage
    collector's sight while it renders: rendering here made collections walk all of it again and
    again (+12 CPU s, +20 % wall of a cold 10,000-item build; 0 with the freeze)."""
    gc.freeze()
    try:
        return _render_here_and_in_pool(job, todo, workers)
    finally:
        gc.unfreeze()


def _render_here_and_in_pool(job: RenderJob, todo: list, workers: int | None) -> dict[str, dict]:
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(todo) < PARALLEL_MIN:
        return dict(_render_chunk(job, todo))
    # Small chunks: the processes finish within a chunk of each other.
    size = max(8, len(todo) // (workers * 16))
    chunks = deque(todo[i : i + size] for i in range(0, len(todo), size))
    results: dict[str, dict] = {}
    with worker_pool(workers - 1, initializer=_init_worker, initargs=(job,)) as pool:
        pending: set[Future] = set()
        while chunks or pending:
            while chunks and len(pending) < 2 * (workers - 1):  # each worker has its next chunk waiting
                pending.add(pool.submit(_render_chunk_in_worker, chunks.popleft()))
            if chunks:
                results.update(_render_chunk(job, chunks.pop()))
                finished = {f for f in pending if f.done()}
            else:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                results.update(future.result())
            pending -= finished
    return results


def _plan(root: Path, items: list[ContentItem] | None, previous: dict, now: datetime, out: Path,
          from_ledger: bool = False, record: list | None = None):
    """(records reused from the manifest, items to render as (id, source, key, quick))."""
    reused: dict[str, dict] = {}
    todo: list[tuple[str, Path | ContentItem, str, str]] = []
    if items is not None:
        for item in sorted(items, key=lambda it: it.id):
            key = item_key(item.source_bytes, item.folder)
            old = previous.get(item.id)
            if from_ledger and old is not None and not old.get("problem"):
                old = {**old, "visibility": LEDGER_LIVE}
            if _needs_render(old, key, now, out):
                todo.append((item.id, item, key, ""))
            else:
                reused[item.id] = old
        return reused, todo
    for source in _scan(root, record):
        old = previous.get(source.id)
        quick = source.quick
        if old is not None and old.get("quick") == quick:
            key = old["key"]  # no file changed since last time: do not even read index.md
        else:
            try:
                key = source.content_key()
            except OSError:
                key = "unreadable:" + quick
        if _needs_render(old, key, now, out):
            todo.append((source.id, source.path, key, quick))
        else:
            reused[source.id] = {**old, "quick": quick}
    return reused, todo


def _needs_render(old: dict | None, key: str, now: datetime, out: Path) -> bool:
    if old is None or old.get("key") != key:
        return True
    if old.get("problem") or not is_live(old.get("visibility"), now):
        return False
    entry = old.get("entry")
    if entry is None:
        return True
    relative = entry["path"].lstrip("/")
    if not relative or ".." in relative.split("/") or "\\" in relative:
        site_file(out, entry["path"])  # raises, as before, for a path that is not ours
    return not os.path.isfile(os.path.join(out, relative))


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
    from_ledger: bool = False,
    gate: Any = None,
    record_inputs: bool = False,
) -> BuildReport:
    """Build (or bring up to date) the site in `out` from every item live at `now`.

    `from_ledger=True`: `items` are exactly what the ledger holds as published on the site (see
    publisher.publish.live); every one of them is live and nothing else is on the site.
    `gate` (items from the scan only): see RenderJob.gate; the report then has `inputs` too."""
    if gate is not None and items is not None:
        raise ValueError("a gate judges the items the build loads itself")
    now = now or datetime.now(matrix.tz)
    config = config or SiteConfig()
    state_dir = state_dir or default_state_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    with locked(state_dir):
        manifest = Manifest.load(state_dir)
        settings = input_hash(settings_key(matrix), config.image_widths, config.image_quality,
                              *([gate.key] if gate is not None else []))
        previous = manifest.items if manifest.settings == settings else {}
        job = RenderJob(root, matrix, out, image_dir or state_dir / "images", tuple(config.image_widths), config.image_quality, now, from_ledger,
                        gate)

        scanned: list | None = [] if (record_inputs or gate is not None) and items is None else None
        records, todo = _plan(root, items, previous, now, out, from_ledger, scanned)
        if gate is not None and todo:
            gate.prepare()
        rendered = _render_all(job, [(iid, source, key) for iid, source, key, _ in todo], workers)
        for iid, _source, _key, quick in todo:
            rendered[iid]["quick"] = quick
        records.update(rendered)

        changes = Changes()
        writer = SiteWriter(out, manifest, changes)
        problems: list[str] = []
        entries: list[Entry] = []
        owner: dict[str, str] = {}
        overwritten: set[str] = set()
        blocked = 0
        for iid in sorted(records):
            record = records[iid]
            files = record.get("files") or {}
            if record.get("blocked"):
                blocked += 1
                continue
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
            if record.get("rendered"):
                page_key = input_hash(settings, record["key"])
                for path, written in files.items():
                    writer.record(path, page_key, bool(written))
            else:
                for path in files:
                    writer.keep(path)
            entries.append(entry)
        given = {item.id: item for item in items or []}
        for path in sorted(overwritten):
            winner = owner[path]
            source = given.get(winner) or root / ITEMS_DIR / winner / ITEM_FILE
            _repair(job, winner, source, records[winner], writer, input_hash(settings, records[winner]["key"]))

        write_indexes(writer, matrix, entries, max_urls=max_urls)
        writer.sweep()
        for record in records.values():
            record.pop("rendered", None)
            record["files"] = {p: False for p in record.get("files") or {}}
        # New signatures (a file touched but unchanged) are worth saving: the next build then
        # skips reading those index.md files again.
        requick = any(previous.get(iid, {}).get("quick") != record.get("quick") for iid, record in records.items())
        dirty = bool(todo or requick or changes.written or changes.removed or manifest.settings != settings)
        manifest.items, manifest.settings = records, settings
        if dirty:  # a no-op build does not rewrite a large manifest
            manifest.save(state_dir)
        inputs = _inputs(scanned, records, out, manifest, state_dir, now) if scanned is not None else None
    report = BuildReport.of(changes, manifest, rendered=len(todo), problems=problems)
    report.owned, report.inputs = len(manifest.files), inputs
    if gate is not None:
        report.blocked, report.passed = blocked, len(records) - blocked
    return report


def _inputs(scanned: list, records: dict, out: Path, manifest: Manifest, state_dir: Path, now: datetime) -> dict:
    """BuildReport.inputs, taken under the build's lock (the output folders after writing)."""
    folders = {os.path.join(out, os.path.dirname(p.lstrip("/"))) for p in manifest.files}
    folders.add(str(out))
    out_dirs = []
    for folder in sorted(folders):
        try:
            out_dirs.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            out_dirs.append((folder, -1))
    path = os.path.join(state_dir, MANIFEST_NAME)
    try:
        stat = os.stat(path)
        saved = (path, stat.st_size, stat.st_mtime_ns)
    except OSError:
        saved = (path, -1, -1)
    moment = now.timestamp()
    upcoming = [datetime.fromisoformat(when).timestamp()
                for record in records.values() if record.get("visibility")
                for when in (record["visibility"]["publish_at"], record["visibility"]["expire_at"]) if when]
    return {"items": scanned, "out": out_dirs, "manifest": saved,
            "next_change": min((t for t in upcoming if t > moment), default=None)}


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
