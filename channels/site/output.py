"""The output folder and its build manifest.

The manifest (in the state folder; `marshal`, which loads 10,000 items' records several times faster
than JSON — the state folder is private to this installation) remembers, for every file the builder owns, the hash of
the inputs it was made from, and for every item what it last rendered to. A build compares input
hashes before rendering anything: unchanged pages are neither rendered nor rewritten, so their
mtimes stay put and an rsync deploy sends only what changed. One lock per output folder keeps a
build and an adapter's publish/retract from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import marshal
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.bin"
OLD_MANIFEST_NAME = "manifest.json"  # before the binary format: read once, replaced on save
MANIFEST_FORMAT = "site-manifest-2"
LOCK_NAME = "site.lock"


def input_hash(*parts: Any) -> str:
    """A stable hash of JSON-able inputs (what a page is made from)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def default_state_dir(out: Path) -> Path:
    """Next to the output folder, not inside it: nothing private is deployed."""
    return out.parent / f".{out.name}-build"


def site_file(out: Path, site_path: str) -> Path:
    """The file for a site path. Paths are ours (URL scheme, content hashes), but refuse `..`
    anyway; no resolve(): this runs for every file of every build."""
    relative = site_path.lstrip("/")
    if not relative or ".." in relative.split("/") or "\\" in relative:
        raise ValueError(f"not a site path: {site_path}")
    return out / relative


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly these bytes. True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def remove_file(out: Path, site_path: str) -> bool:
    """Delete one owned file and the folders it leaves empty (up to the output root)."""
    path = site_file(out, site_path)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    root = out.resolve()
    folder = path.parent
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent
    return True


@dataclass
class Manifest:
    """`files`: site path → input hash. `items`: item id → what it rendered to last time."""

    files: dict[str, str] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: str = ""

    extra: dict[str, Any] = field(default_factory=dict)  # what a caller keeps beside (e.g. the preview's)

    @classmethod
    def load(cls, state_dir: Path) -> Manifest:
        data: Any = None
        try:
            with open(state_dir / MANIFEST_NAME, "rb") as handle:
                data = marshal.load(handle)
        except FileNotFoundError:
            try:
                data = json.loads((state_dir / OLD_MANIFEST_NAME).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return cls()
        except (OSError, ValueError, EOFError, TypeError):
            return cls()  # unreadable: a full build makes a new one
        if not isinstance(data, dict) or data.get("format", MANIFEST_FORMAT) != MANIFEST_FORMAT:
            return cls()
        return cls(files=data.get("files", {}), items=data.get("items", {}), settings=data.get("settings", ""),
                   extra=data.get("extra", {}))

    def save(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        data = {"format": MANIFEST_FORMAT, "settings": self.settings, "files": self.files, "items": self.items,
                "extra": self.extra}
        path = state_dir / MANIFEST_NAME
        tmp = path.with_name(f".{MANIFEST_NAME}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            marshal.dump(data, handle)
        os.replace(tmp, path)
        with contextlib.suppress(FileNotFoundError):
            (state_dir / OLD_MANIFEST_NAME).unlink()


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """Exclusive lock over one site's output and manifest (processes and threads alike)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / LOCK_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Changes:
    """What a build or publish did to the output folder (site paths)."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class SiteWriter:
    """Writes owned files into the output folder, keeping the manifest's input hashes and the
    list of changes. Files the manifest owned but nobody `put` or `keep` are removed by `sweep`."""

    def __init__(self, out: Path, manifest: Manifest, changes: Changes):
        self.out, self.manifest, self.changes = out, manifest, changes
        self.owned: set[str] = set()

    def fresh(self, site_path: str, key: str) -> bool:
        """True when the file exists and was made from the same inputs."""
        return self.manifest.files.get(site_path) == key and site_file(self.out, site_path).is_file()

    def keep(self, site_path: str) -> None:
        if site_path in self.owned:  # a picture shared by several articles
            return
        self.owned.add(site_path)
        self.changes.unchanged.append(site_path)

    def put(self, site_path: str, key: str, data: bytes | str) -> None:
        payload = data.encode() if isinstance(data, str) else data
        written = write_if_changed(site_file(self.out, site_path), payload)
        (self.changes.written if written else self.changes.unchanged).append(site_path)
        self.manifest.files[site_path] = key
        self.owned.add(site_path)

    def record(self, site_path: str, key: str, written: bool) -> None:
        """A file another process wrote (build workers)."""
        if site_path in self.owned:
            return
        (self.changes.written if written else self.changes.unchanged).append(site_path)
        self.manifest.files[site_path] = key
        self.owned.add(site_path)

    def sweep(self, candidates: set[str] | None = None) -> None:
        """Remove files the manifest owned that this run did not produce (among `candidates`)."""
        pool = set(self.manifest.files) if candidates is None else candidates & set(self.manifest.files)
        for site_path in sorted(pool - self.owned):
            if remove_file(self.out, site_path):
                self.changes.removed.append(site_path)
            del self.manifest.files[site_path]
