"""What a sign-off approves: a digest of what readers see, and the sign-off lines of a version.

A review stage approves one version of an item (DESIGN decision 9). The version is identified by
`reader_digest`: the title, author, summary, tags, cover, body, every channel's own texts (its
title, digest, author, short text, original-article link) and every file next to `index.md`
(pictures, by git blob id). Sign-off lines, the schedule (publish_at, expire_at), draft, column,
slug and the choice of accounts are not part of it: adding a sign-off or moving the publishing
time does not ask for a new review; changing a word, a picture or a channel's own text does.

The same functions read a file as it is now and as it was in any commit (publisher.content.history),
so the two digests are comparable byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from publisher.content.frontmatter import FrontMatterLoader

ITEM_FILE = "index.md"
READER_FIELDS = ("title", "author", "summary", "tags", "cover")
CHANNEL_TEXTS = ("title", "digest", "author", "text", "content_source_url")

_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


@dataclass(frozen=True)
class SignLine:
    """One `review:` entry as written: stage, who, when (the text, not a parsed time)."""

    stage: str
    by: str
    at: str


@dataclass(frozen=True)
class ParsedSource:
    text_digest: str  # of the reader-visible text only; pictures are added by reader_digest
    lines: tuple[SignLine, ...]


def blob_id(data: bytes) -> str:
    """git's object id of a file's bytes (`git hash-object`), without asking git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return value


def parse_source(data: bytes) -> ParsedSource:
    """Reader-visible text digest and sign-off lines of one `index.md` (never raises: an unreadable
    file gets a digest of its bytes and no sign-offs, so it can never match an approved version)."""
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if _END.match(lines[i])), None) if lines and _FENCE.match(lines[0]) else None
    front: Any = None
    if end is not None:
        try:
            front = yaml.load("\n".join(lines[1:end]), Loader=FrontMatterLoader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            front = None
    if not isinstance(front, dict):
        return ParsedSource("unreadable:" + hashlib.sha256(data).hexdigest(), ())
    body = "\n".join(lines[end + 1 :]).strip()
    seen: dict[str, Any] = {name: _clean(front.get(name)) for name in READER_FIELDS}
    targets = front.get("targets")
    if isinstance(targets, dict):
        seen["targets"] = {
            str(channel): {k: _clean(spec.get(k)) for k in CHANNEL_TEXTS if spec.get(k) is not None}
            for channel, spec in sorted(targets.items(), key=lambda kv: str(kv[0])) if isinstance(spec, dict)
        }
    seen["body"] = body
    digest = hashlib.sha256(json.dumps(seen, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    signoffs = []
    for entry in front.get("review") or []:
        if isinstance(entry, dict):
            signoffs.append(SignLine(str(entry.get("stage", "")).strip(), str(entry.get("by", "")).strip(),
                                     str(entry.get("at", "")).strip()))
    return ParsedSource(digest, tuple(signoffs))


def reader_digest(text_digest: str, pictures: dict[str, str]) -> str:
    """The approved-version id: the text digest plus every other file of the folder by blob id."""
    listing = "\n".join(f"{name}\0{blob}" for name, blob in sorted(pictures.items()))
    return hashlib.sha256(f"{text_digest}\n{listing}".encode()).hexdigest()


def folder_pictures(folder: Path) -> dict[str, str]:
    """Every file of an item folder except index.md (subfolders too), by blob id."""
    found: dict[str, str] = {}
    for base, _dirs, files in os.walk(folder):
        for name in files:
            full = os.path.join(base, name)
            rel = os.path.relpath(full, folder).replace(os.sep, "/")
            if rel == ITEM_FILE or os.path.islink(full):
                continue
            with open(full, "rb") as handle:
                found[rel] = blob_id(handle.read())
    return found


def current_digest(source_bytes: bytes, folder: Path) -> tuple[str, ParsedSource]:
    parsed = parse_source(source_bytes)
    return reader_digest(parsed.text_digest, folder_pictures(folder)), parsed
