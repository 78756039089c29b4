"""Run every check on every item and collect all problems of all items in one run.

Loading and checking happen together per file (each file is read once). A file that does not
load is reported with its line and skipped; the rest go on. A check that crashes on one item
becomes a finding for that item, never a crash of the run. Large runs are split over a process
pool (one worker per core): loading (YAML + pydantic) and autocorrect are CPU-bound.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.checks.context import CheckContext
from publisher.checks.typography import configure
from publisher.checks.verdict import judge
from publisher.content.findings import Finding
from publisher.content.history import load_history
from publisher.content.loader import discover, load_item
from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem
from publisher.process_pool import worker_pool

if TYPE_CHECKING:  # pydantic-settings (≈ 16 MB, 0.1 s): not for a check worker that never reads settings
    from publisher.settings import Settings

POOL_THRESHOLD = 500  # below this, starting worker processes costs more than it saves
_CHUNK = 250
# Imported once by the pool's fork server, so that each worker starts with the checks and every
# channel's renderer loaded instead of importing them itself (about 1 CPU s per worker).
_PRELOAD = ["publisher.checks.preload"]


@dataclass
class CheckReport:
    items_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    items: list[ContentItem] = field(default_factory=list)  # the items that loaded

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_file(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for f in self.findings:
            grouped.setdefault(f.path, []).append(f)
        return grouped

    def findings_for(self, item: ContentItem) -> list[Finding]:
        return [f for f in self.findings if f.path == item.display_path]

    def to_dict(self) -> dict:
        return {
            "items_checked": self.items_checked,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }


def check_paths(files: list[Path], root: Path, ctx: CheckContext, keep_items: bool = True
                ) -> tuple[list[Finding], list[ContentItem]]:
    """Load each file and judge it as publishing would (item checks + every target's channel check)."""
    findings: list[Finding] = []
    items: list[ContentItem] = []
    for path in files:
        item, load_findings = load_item(path, root, ctx.matrix)
        findings.extend(load_findings)
        if item is not None:
            ctx.attach_trail(item)
            findings.extend(judge(item, ctx).all_findings())
            if keep_items:
                items.append(item)
    return findings, items


_worker_ctx: CheckContext | None = None


def _init_worker(matrix: Matrix, allow_remote: bool, strict: bool, image_cache: object, history_read: bool,
                 history: object) -> None:
    global _worker_ctx
    configure()
    _worker_ctx = CheckContext.build(matrix, strict_review=strict)
    _worker_ctx.allow_remote_images = allow_remote
    _worker_ctx.image_cache = image_cache
    _worker_ctx.history, _worker_ctx.history_read = history, history_read
    _worker_ctx.channels = {}


def _check_chunk(files: list[Path], root: Path, keep_items: bool) -> tuple[list[Finding], list[ContentItem]]:
    assert _worker_ctx is not None
    return check_paths(files, root, _worker_ctx, keep_items)


def _workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def check_items(
    root: Path,
    matrix: Matrix,
    paths: Iterable[Path] | None = None,
    settings: Settings | None = None,
    *,
    keep_items: bool = True,
    workers: int | None = None,
    strict_review: bool = False,
) -> CheckReport:
    """Load and check the items under `root/items` (or under `paths`: item folders or files).

    `keep_items=False` saves memory and inter-process copying when only findings are wanted.
    `workers` (default: one per core) applies above POOL_THRESHOLD files; 1 turns the pool off.
    """
    # Resolve the root and the given paths once; files found under them are absolute already.
    root = root.resolve()
    files = discover(root, [Path(p).resolve() for p in paths] if paths else None)
    ctx = CheckContext.build(matrix, settings, strict_review=strict_review)
    ctx.channels = {}  # one channel object per account for the run (not passed to workers)
    if matrix.review.verify == "git":
        # The working tree's sign-offs against the committed history (HEAD): one git log pass.
        ctx.history, ctx.history_read = load_history(root, matrix.review), True
    report = CheckReport(items_checked=len(files))
    count = workers or _workers()
    if count > 1 and len(files) > POOL_THRESHOLD:
        chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
        # Takes effect when this process starts its fork server (the first pool it opens).
        multiprocessing.get_context("forkserver").set_forkserver_preload(_PRELOAD)
        with worker_pool(count, initializer=_init_worker,
                         initargs=(matrix, ctx.allow_remote_images, strict_review, ctx.image_cache, ctx.history_read,
                                   ctx.history)) as pool:
            for findings, items in pool.map(_check_chunk, chunks, [root] * len(chunks), [keep_items] * len(chunks)):
                report.findings.extend(findings)
                report.items.extend(items)
    else:
        report.findings, report.items = check_paths(files, root, ctx, keep_items)
    report.findings.sort(key=lambda f: (f.path, f.line or 0, f.col or 0))
    return report
