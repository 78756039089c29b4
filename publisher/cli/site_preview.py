"""The local preview built from the working tree's files, with only items that pass every check
(`publisher site build --preview`), incremental like the published website's build.

Same rule as `publisher.publish.website.build_preview`: an item with any error finding of its own
(loading, the item checks, every target's channel check, strict review) has no page, not even in
a preview. The difference is where the work happens: the website channel's build loads each item
once in its workers, asks `CheckGate.judge` (the same `judge` that `publisher check` runs) and
writes the page from the website account's rendition that check has just made, instead of
checking every item in one pass and rendering the pages again in another. The verdict is
remembered in the build's manifest with the item's content key, so an unchanged item is neither
checked nor rendered again (Channel.build_pages, `gate`).

A remembered verdict is reused only while everything it depends on is unchanged (`gate_key`):
the item's files (index.md by content, other files by name, size and mtime), the whole matrix,
the settings the checks read, the git commit the sign-offs are verified against (review.verify =
"git"), and the code that checks and renders (the sources of `publisher` and `channels`, the
installed packages). With `allow_remote_images` nothing is remembered: a remote host's answer
may change without any file changing. The preview is never deployed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


def code_signature() -> list:
    """(file, size, mtime) of every source file of the checks' and renderers' packages (the
    core and the channels), and the installed distributions (a package or a channel plugin
    installed, upgraded or removed)."""
    found: list = [sys.version]
    for package in ("publisher", "channels"):
        spec = importlib.util.find_spec(package)
        for base in (spec.submodule_search_locations or []) if spec else []:
            for folder, dirs, files in os.walk(base):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for name in sorted(files):
                    if name.endswith((".py", ".j2", ".css", ".toml", ".json", ".txt")):
                        stat = os.stat(os.path.join(folder, name))
                        found.append((os.path.relpath(os.path.join(folder, name), base), stat.st_size, stat.st_mtime_ns))
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            # Which distributions are installed, at which versions (their metadata folders are
            # named so); not the folder's mtime, which a compiled module's cache also moves.
            # Not the folder's own path: one venv reached through a symlink is the same install.
            with os.scandir(entry) as listing:
                found.append(sorted(e.name for e in listing if e.name.endswith(_INSTALLED)))
    return found


_INSTALLED = (".dist-info", ".egg-info", ".egg-link", ".pth")


def git_head(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else f"no-commit:{done.returncode}"


def gate_key(root: Path, matrix: Any, settings: Any) -> str:
    """What every remembered verdict depends on besides the item's own files (see the module)."""
    parts: list = [matrix.model_dump_json(), code_signature(), bool(settings.allow_remote_images), "strict"]
    if settings.allow_remote_images:
        parts.append(os.urandom(16).hex())  # never the same twice: every item is checked again
    if matrix.review.verify == "git":
        parts.append(git_head(root))
        if matrix.review.allowed_signers:
            try:
                parts.append(hashlib.sha256((root / matrix.review.allowed_signers).read_bytes()).hexdigest())
            except OSError as exc:
                parts.append(f"unreadable:{exc.errno}")
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@dataclass
class CheckGate:
    """Runs in the build's workers: `judge` says whether a loaded item passes every check, and
    gives the website account's rendition its check made (the page itself)."""

    key: str
    matrix: Any
    account_id: str  # the website account
    allow_remote_images: bool
    image_dir: Path
    root: Path | None = None
    history: Any = None
    history_read: bool = False

    def prepare(self) -> None:
        """Before any item is judged (in the parent, once): the sign-off history when the policy
        verifies it in git. Not read at all when no item needs checking: HEAD is in the key."""
        if self.matrix.review.verify == "git" and not self.history_read:
            from publisher.content.history import load_history

            self.history, self.history_read = load_history(self.root, self.matrix.review), True

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_ctx", None)
        return state

    def _context(self):
        ctx = self.__dict__.get("_ctx")
        if ctx is None:
            from publisher.checks.context import CheckContext
            from publisher.checks.typography import configure
            from publisher.render.images import ImageCache

            configure()
            ctx = CheckContext(self.matrix, self.allow_remote_images, True, image_cache=ImageCache(self.image_dir))
            ctx.history, ctx.history_read = self.history, self.history_read
            self.__dict__["_ctx"] = ctx
        return ctx

    def judge(self, item, findings: list) -> tuple[bool, Any]:
        """(passes, the website account's rendition or None). As `publisher check` with strict
        review: an error finding on the item's own file keeps it off the website."""
        if item is None:
            return False, None
        from publisher.checks.verdict import judge

        ctx = self._context()
        ctx.attach_trail(item)
        verdict = judge(item, ctx)
        shown = item.display_path
        if any(f.is_error and f.path == shown for f in (*findings, *verdict.all_findings())):
            return False, None
        return True, next((t.rendition for t in verdict.targets if t.account.id == self.account_id), None)


@dataclass
class PreviewBuild:
    folder: Path
    report: Any  # the channel's build report
    channel: Any
    live: int = 0  # items that pass every check
    blocked: int = 0  # items left out because they do not pass the checks


def build_checked_preview(content_root: Path, matrix: Any, settings: Any, *, out: Path | None = None,
                          now: datetime | None = None, workers: int | None = None) -> PreviewBuild:
    """What `publisher.publish.website.build_preview` builds, incrementally (see the module)."""
    from publisher.publish.website import NoWebsite, website
    from publisher.render.renditions import image_cache_in

    channel = website(matrix)
    folder = (out or settings.state_dir / "site-preview").resolve()
    published = channel.pages_dir() or settings.site_dir
    if folder == published.resolve():
        raise NoWebsite(f"预览不能写入网站发布目录 {folder}，请用 --out 指定其他目录")
    root = content_root.resolve()
    image_dir = image_cache_in(settings.state_dir).folder
    gate = CheckGate(gate_key(root, matrix, settings), matrix, channel.account.id,
                     bool(settings.allow_remote_images), image_dir, root)
    report = channel.build_pages(root, folder, now=now, workers=workers, image_dir=image_dir, gate=gate)
    return PreviewBuild(folder, report, channel, live=report.passed, blocked=report.blocked)
