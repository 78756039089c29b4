"""Who committed each sign-off line, and which version it approved: read from git history once.

For every item, the commits that introduced its `review:` lines, with the commit's author, its
signature status as git verifies it, and the reader digest (publisher.content.approval) of the
item as that commit left it. The whole repository is read in a single `git log --raw` pass (plus
one `git cat-file --batch` for the `index.md` versions), never once per item, so a sync of 10,000
items pays for history once; signatures are verified (`git log --no-walk --stdin`) only for the
commits that introduced a sign-off, and only when the policy requires signatures.

Merge commits are skipped: a line or an edit arrives through the commit that made it. The item's
state at a commit is rebuilt by replaying the changed files in topological order, which is exact
for a linear history; on crossing branches a rebuilt state can only differ from the approved one,
so the error it can cause is a sign-off wrongly asked for again, never one wrongly accepted.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from publisher.content.approval import (
    ITEM_FILE,
    ParsedSource,
    SignLine,
    parse_source,
    reader_digest,
)
from publisher.content.loader import ITEMS_DIR
from publisher.content.matrix import ReviewPolicy
from publisher.content.source import SourceError

_RECORD, _FIELD = "\x1e", "\x1f"


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    order: int  # position in topological order, oldest first
    signature: str = ""  # git's %G?: G good, B bad, U unknown validity, N none, E cannot check…
    fingerprint: str = ""  # %GF
    signer: str = ""  # %GS

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def who(self) -> str:
        return f"{self.author} <{self.email}>"


@dataclass(frozen=True)
class SignEvent:
    """A sign-off line and the commit that introduced it, with the version it approved."""

    line: SignLine
    commit: Commit
    digest: str


@dataclass
class ItemTrail:
    events: dict[SignLine, SignEvent] = field(default_factory=dict)  # latest introduction of each line
    changes: list[Commit] = field(default_factory=list)  # commits that changed what readers see
    head_digest: str = ""  # what readers see as last committed

    def event(self, line: SignLine) -> SignEvent | None:
        return self.events.get(line)


@dataclass(frozen=True)
class Invalidation:
    """A stage whose sign-off no longer holds: the change that came after `prior` (the sign-off
    the change followed), made in `change` (None: not committed yet)."""

    stage: str
    prior: SignEvent
    change: Commit | None


@dataclass
class RepoHistory:
    """Sign-off trails of every item of one content repo at one commit."""

    commit: str | None
    trails: dict[str, ItemTrail] = field(default_factory=dict)

    def trail(self, item_id: str) -> ItemTrail:
        return self.trails.get(item_id) or ItemTrail()


def invalidated(trail: ItemTrail, lines: tuple[SignLine, ...], stages: list[str], digest: str) -> list[Invalidation]:
    """Stages (in policy order) whose sign-off a later change undid.

    A change committed after a stage's sign-off invalidates that stage and every later one
    (DESIGN decision 9); "that stage" is the highest stage signed before the change (superseded
    lines included, so an edit after 终审 followed by a new 终审 asks nothing of 初审 and 复审).
    A stage signed again at or after the change holds. `digest` is the item as it is now: if it
    differs from the last committed version, the difference counts as one more change."""
    rank = {stage: index for index, stage in enumerate(stages)}
    signed = [(rank[line.stage], event) for line in lines
              if line.stage in rank and (event := trail.event(line)) is not None]
    counting: dict[str, SignEvent] = {}
    for line in lines:
        event = trail.event(line)
        if line.stage in rank:
            if event is None:
                counting.pop(line.stage, None)
            else:
                counting[line.stage] = event
    changes: list[tuple[float, Commit | None]] = [(c.order, c) for c in trail.changes]
    if digest != trail.head_digest:
        changes.append((float("inf"), None))
    found: dict[str, Invalidation] = {}
    for position, change in changes:
        before = [(r, e) for r, e in signed if e.commit.order < position]
        if not before:
            continue
        top, prior = max(before, key=lambda pair: (pair[0], pair[1].commit.order))
        for stage in stages[top:]:
            event = counting.get(stage)
            if event is not None and event.commit.order < position and stage not in found:
                found[stage] = Invalidation(stage, prior, change)
    return [found[stage] for stage in stages if stage in found]


class HistoryError(SourceError):
    """git history cannot be read; the message is for editors."""


def _git(top: str, *args: str, stdin: bytes | None = None, config: tuple[str, ...] = ()) -> bytes:
    argv = ["git", *(a for c in config for a in ("-c", c)), "-C", top, *args]
    done = subprocess.run(argv, input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        raise HistoryError(f"读取 git 历史失败（git {args[0]}）：{done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def repo_location(root: Path) -> tuple[str, str] | None:
    """(top folder, content prefix inside it) when `root` is inside a git work tree, else None."""
    probe = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel", "--show-prefix"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return None
    lines = probe.stdout.split("\n")
    return lines[0].strip(), lines[1].strip() if len(lines) > 1 else ""


def head_commit(root: Path) -> str | None:
    probe = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD^{commit}"],
                           capture_output=True, text=True, check=False)
    return probe.stdout.strip() or None if probe.returncode == 0 else None


def _log(top: str, commit: str, items_path: str) -> list[tuple[Commit, list[tuple[str, str]]]]:
    """Every non-merge commit touching items/, oldest first, with (path, new blob) of each change
    (blob all zeros: deleted)."""
    out = _git(top, "log", "--reverse", "--topo-order", "--no-merges", "--raw", "--no-abbrev", "--no-renames",
               "-z", f"--format={_RECORD}%H{_FIELD}%an{_FIELD}%ae", commit, "--", items_path)
    commits: list[tuple[Commit, list[tuple[str, str]]]] = []
    for order, chunk in enumerate(out.decode("utf-8", errors="replace").split(_RECORD)[1:]):
        head, _, rest = chunk.partition("\0")
        sha, author, email = (head.strip("\n").split(_FIELD) + ["", ""])[:3]
        changes: list[tuple[str, str]] = []
        parts = rest.split("\0")
        index = 0
        while index + 1 < len(parts):
            meta, path = parts[index].lstrip("\n"), parts[index + 1]
            index += 2
            if not meta.startswith(":"):
                continue
            fields = meta[1:].split(" ")
            if len(fields) >= 5:
                changes.append((path, fields[3]))
        commits.append((Commit(sha, author, email.strip().lower(), order), changes))
    return commits


def _read_blobs(top: str, blobs: set[str]) -> dict[str, bytes]:
    """Contents of many blobs through one `git cat-file --batch`."""
    if not blobs:
        return {}
    ordered = sorted(blobs)
    out = _git(top, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in ordered).encode())
    found: dict[str, bytes] = {}
    position = 0
    for blob in ordered:
        newline = out.index(b"\n", position)
        header = out[position:newline].split(b" ")
        position = newline + 1
        if len(header) < 3:  # "<blob> missing"
            continue
        size = int(header[2])
        found[blob] = out[position : position + size]
        position += size + 1
    return found


def _signatures(top: str, shas: set[str], config: tuple[str, ...]) -> dict[str, tuple[str, str, str]]:
    """git's verdict on each commit's signature: (%G?, %GF, %GS)."""
    if not shas:
        return {}
    out = _git(top, "log", "--no-walk=unsorted", "--stdin", f"--format={_RECORD}%H{_FIELD}%G?{_FIELD}%GF{_FIELD}%GS",
               stdin="".join(f"{s}\n" for s in sorted(shas)).encode(), config=config)
    verdicts: dict[str, tuple[str, str, str]] = {}
    for chunk in out.decode("utf-8", errors="replace").split(_RECORD)[1:]:
        sha, status, fingerprint, signer = (chunk.strip("\n").split(_FIELD) + ["", "", ""])[:4]
        verdicts[sha] = (status, fingerprint, signer)
    return verdicts


def read_history(root: Path, commit: str | None = None, *, signatures: bool = False,
                 git_config: tuple[str, ...] = ()) -> RepoHistory | None:
    """Sign-off trails of every item under `root/items` up to `commit` (default HEAD).

    None when `root` is not in a git work tree. `git_config` adds `-c` settings for the signature
    check (e.g. gpg.ssh.allowedSignersFile)."""
    location = repo_location(root)
    if location is None:
        return None
    top, prefix = location
    commit = commit or head_commit(root)
    if commit is None:
        return RepoHistory(None)  # a repo without commits: nothing is signed yet
    items_prefix = f"{prefix}{ITEMS_DIR}/"
    log = _log(top, commit, items_prefix)

    # Item folders: every folder that ever held an index.md. A picture belongs to the nearest one.
    folders = {path[len(items_prefix) : -len(ITEM_FILE) - 1]
               for _c, changes in log for path, _b in changes
               if path.startswith(items_prefix) and path.endswith("/" + ITEM_FILE)}
    index_blobs = {blob for _c, changes in log for path, blob in changes
                   if path.endswith("/" + ITEM_FILE) and set(blob) != {"0"}}
    sources = _read_blobs(top, index_blobs)
    parsed: dict[str, ParsedSource] = {}

    pictures: dict[str, dict[str, str]] = {}
    current: dict[str, ParsedSource | None] = {}
    trails: dict[str, ItemTrail] = {}
    previous_lines: dict[str, tuple[SignLine, ...]] = {}
    previous_digest: dict[str, str] = {}
    for info, changes in log:
        touched: set[str] = set()
        for path, blob in changes:
            if not path.startswith(items_prefix):
                continue
            rel = path[len(items_prefix) :]
            owner, name = _owner(rel, folders)
            if owner is None:
                continue
            touched.add(owner)
            deleted = set(blob) == {"0"}
            if name == ITEM_FILE:
                if deleted:
                    current[owner] = None
                else:
                    if blob not in parsed:
                        parsed[blob] = parse_source(sources.get(blob, b""))
                    current[owner] = parsed[blob]
            elif deleted:
                pictures.get(owner, {}).pop(name, None)
            else:
                pictures.setdefault(owner, {})[name] = blob
        for owner in touched:
            state = current.get(owner)
            if state is None:
                continue
            trail = trails.setdefault(owner, ItemTrail())
            digest = reader_digest(state.text_digest, pictures.get(owner, {}))
            if digest != previous_digest.get(owner):
                trail.changes.append(info)
                previous_digest[owner] = trail.head_digest = digest
            before = previous_lines.get(owner, ())
            for line in state.lines:
                if line not in before:
                    trail.events[line] = SignEvent(line, info, digest)
            previous_lines[owner] = state.lines

    if signatures:
        needed = {event.commit.sha for trail in trails.values() for event in trail.events.values()}
        verdicts = _signatures(top, needed, git_config)
        for trail in trails.values():
            for line, event in list(trail.events.items()):
                status, fingerprint, signer = verdicts.get(event.commit.sha, ("N", "", ""))
                signed = Commit(event.commit.sha, event.commit.author, event.commit.email, event.commit.order,
                                status, fingerprint, signer)
                trail.events[line] = SignEvent(line, signed, event.digest)
    return RepoHistory(commit, trails)


def _owner(rel: str, folders: set[str]) -> tuple[str | None, str]:
    """(item id, path inside the item folder) of a path under items/."""
    parts = rel.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        candidate = "/".join(parts[:cut])
        if candidate in folders:
            return candidate, "/".join(parts[cut:])
    return None, rel


def _signer_config(config_root: Path, policy: ReviewPolicy, folder: Path) -> tuple[str, ...]:
    """`-c gpg.ssh.allowedSignersFile=…` for the signature check: the file publisher.toml names,
    else (when git has none configured) one written from the reviewers' registered SSH keys."""
    if policy.allowed_signers:
        return (f"gpg.ssh.allowedSignersFile={(config_root / policy.allowed_signers).resolve()}",)
    configured = subprocess.run(["git", "-C", str(config_root), "config", "gpg.ssh.allowedSignersFile"],
                                capture_output=True, text=True, check=False).stdout.strip()
    keys = [r for r in policy.reviewers if r.key and " " in r.key.strip()]
    if configured or not keys:
        return ()
    path = folder / "allowed_signers"
    path.write_text("".join(f'{r.email} namespaces="git" {r.key.strip()}\n' for r in keys), encoding="utf-8")
    return (f"gpg.ssh.allowedSignersFile={path}",)


def load_history(repo_root: Path, policy: ReviewPolicy, *, commit: str | None = None,
                 config_root: Path | None = None) -> RepoHistory | None:
    """The policy's view of the history: signatures verified only when it requires them.

    `repo_root` is where git runs (the content repo), `commit` what was read (default HEAD),
    `config_root` the folder holding publisher.toml as read (a snapshot's, for allowed_signers)."""
    with tempfile.TemporaryDirectory(prefix="publisher-signers-") as folder:
        config = _signer_config(config_root or repo_root, policy, Path(folder)) if policy.require_signatures else ()
        return read_history(repo_root, commit, signatures=policy.require_signatures, git_config=config)


def attach_trails(items: list, repo_root: Path, policy: ReviewPolicy, *, commit: str | None = None,
                  config_root: Path | None = None) -> RepoHistory | None:
    """Read the history once and give each item its trail (None everywhere outside git)."""
    if policy.verify == "none":
        return None
    history = load_history(repo_root, policy, commit=commit, config_root=config_root)
    for item in items:
        item.trail = history.trail(item.id) if history is not None else None
    return history
