"""The archive's manifest: every file with its SHA-256 and size, and the check that a folder
still holds exactly those files.

Two forms of the same list: `manifest.json` (what the archive covers, and the files) and
`SHA256SUMS`, which `sha256sum -c SHA256SUMS` checks without this software (it also lists
manifest.json, so a changed manifest is noticed too).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = "publisher-archive/1"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(about: dict[str, Any], files: dict[str, bytes]) -> bytes:
    document = {
        "format": FORMAT,
        **about,
        "files": [{"path": name, "sha256": sha256(data), "size": len(data)} for name, data in sorted(files.items())],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def sums_bytes(listed: dict[str, str]) -> bytes:
    """`<sha256>  <path>` lines, coreutils' format (paths sorted)."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(listed.items())).encode()


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of an archive folder, or None when there is none (or it is not ours)."""
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("files"), list):
        return None
    return document


def files_on_disk(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


@dataclass
class Verification:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unreadable: str | None = None  # no usable manifest: a sentence

    @property
    def ok(self) -> bool:
        return self.unreadable is None and not (self.missing or self.changed or self.extra)

    def lines(self) -> list[str]:
        """Chinese, one finding per line; the OK sentence when there is nothing to say."""
        if self.unreadable:
            return [self.unreadable]
        if self.ok:
            return [f"归档完整：{self.checked} 个文件与清单一致，SHA-256 校验全部通过。"]
        out = [f"归档与清单不一致（共检查 {self.checked} 个文件）："]
        out += [f"  已改动：{name}" for name in self.changed]
        out += [f"  缺失：{name}" for name in self.missing]
        out += [f"  多出：{name}" for name in self.extra]
        return out


def verify_folder(folder: Path) -> Verification:
    result = Verification()
    if not folder.is_dir():
        result.unreadable = f"找不到归档目录 {folder}"
        return result
    document = read_manifest(folder)
    if document is None:
        result.unreadable = f"{folder} 中没有可用的归档清单（{MANIFEST} 缺失或已损坏），无法核对"
        return result
    expected: dict[str, str] = {}
    for entry in document["files"]:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str) and isinstance(entry.get("sha256"), str):
            expected[entry["path"]] = entry["sha256"]
    manifest_digest = sha256((folder / MANIFEST).read_bytes())
    present = files_on_disk(folder)
    for name, digest in sorted(expected.items()):
        path = folder / name
        result.checked += 1
        if name not in present or not path.is_file():
            result.missing.append(name)
        elif sha256(path.read_bytes()) != digest:
            result.changed.append(name)
    # SHA256SUMS must say exactly what the manifest says, manifest.json's own digest included.
    sums_path = folder / SUMS
    result.checked += 2  # SHA256SUMS, and manifest.json through it
    if not sums_path.is_file():
        result.missing.append(SUMS)
    else:
        wanted = sums_bytes({**expected, MANIFEST: manifest_digest})
        if sums_path.read_bytes() != wanted:
            listed = _sums_listing(sums_path.read_bytes())
            # A SHA256SUMS recording another manifest means manifest.json is what changed.
            blamed = MANIFEST if listed.get(MANIFEST) not in (None, manifest_digest) else SUMS
            result.changed.append(blamed)
    result.extra = sorted(present - set(expected) - {MANIFEST, SUMS})
    result.changed.sort()
    return result


def _sums_listing(data: bytes) -> dict[str, str]:
    listed = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            listed[name] = digest
    return listed
