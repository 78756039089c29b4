"""Where sync reads content from: the committed state of a git branch, or a plain folder.

Editors work in git, so by default sync reads what was committed on the configured branch
(fetching its remote first when the branch tracks one), never uncommitted edits, and every item
version records the commit that asked for it. A folder outside git is read as it is, for trying
things out. `check` and `preview` always read the working tree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from publisher.content.findings import Finding
from publisher.content.git_refusal import git_marker, refusal_sentence
from publisher.content.links import extract_archive


class SourceError(Exception):
    """The content repo cannot be read; the message is for editors."""


@dataclass(frozen=True)
class Snapshot:
    root: Path  # a folder holding publisher.toml and items/, exactly as committed
    commit: str | None  # None: a plain folder's working tree
    unpushed: int = 0  # local commits on the branch that its upstream does not have (not read)
    findings: tuple[Finding, ...] = ()  # members left out of the snapshot (links out of the repo)


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SourceError(f"git {' '.join(args)} 失败：{result.stderr.strip()}")
    return result.stdout.strip()


def in_git(root: Path) -> bool:
    """Whether `root` is inside a git work tree. A folder with a `.git` that git refuses to open
    (another user's, unreadable, broken) raises SourceError: never read as a plain folder."""
    probe = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, check=False
    )
    if probe.returncode == 0:
        return probe.stdout.strip() == "true"
    marker = git_marker(root)
    if marker is None:
        return False
    raise SourceError(refusal_sentence(root, marker, probe.stderr))


def resolve_commit(root: Path, branch: str | None) -> str:
    """The commit to read: the branch's remote head when it tracks one (after a fetch), else its tip."""
    return _resolve(root, branch)[0]


def _resolve(root: Path, branch: str | None) -> tuple[str, int]:
    """(commit to read, local commits not pushed). With an upstream, what is published is what
    the office shared (pushed); a commit only on this machine is not read, and is counted so
    the editor is told instead of wondering why nothing happened."""
    ref = branch or _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    upstream = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--abbrev-ref", f"{ref}@{{upstream}}"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    unpushed = 0
    if upstream:
        remote, _, remote_branch = upstream.partition("/")
        _git(root, "fetch", "--quiet", remote, remote_branch)
        unpushed = int(_git(root, "rev-list", "--count", f"{upstream}..{ref}") or 0)
        ref = upstream
    return _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}"), unpushed


def unpushed_notice(count: int) -> str:
    """The sentence `run`, `plan` and `publish` print when local commits are not read."""
    return f"本地有 {count} 个提交尚未推送，未纳入发布（只发布已推送的内容：先 git push，再运行本命令）" if count else ""


def take_snapshot(
    root: Path, cache_dir: Path, *, use_git: bool = True, branch: str | None = None, remote: str | None = None
) -> Snapshot:
    """Export the committed content to `cache_dir/<commit>` once and read from there.

    With `remote`, `root` is this program's own clone of it (made on first use, fetched on
    every call, its work tree moved to what is read): see `publisher.content.clone`."""
    if remote:
        from publisher.content.clone import CloneError, clone_lock, ensure_clone

        with clone_lock(root):
            try:
                ensure_clone(root, remote, branch)
            except CloneError as exc:
                raise SourceError(str(exc)) from None
            commit, unpushed = _resolve(root, branch)
            _git(root, "reset", "--quiet", "--hard", commit)  # nobody edits our clone: keep it current
    elif not (use_git and in_git(root)):
        return Snapshot(root=root, commit=None)
    else:
        commit, unpushed = _resolve(root, branch)
    prefix = _git(root, "rev-parse", "--show-prefix")  # content/ may live inside a bigger repo
    top = _git(root, "rev-parse", "--show-toplevel")  # archive from the top: a subfolder narrows it
    target = cache_dir / commit
    if not (target / ".complete").exists():
        if target.exists():
            shutil.rmtree(target)
        archive = subprocess.run(
            ["git", "-C", top, "archive", "--format=tar", f"{commit}:{prefix}" if prefix else commit],
            capture_output=True, check=False,
        )
        if archive.returncode != 0:
            raise SourceError(f"无法读取提交 {commit[:10]}：{archive.stderr.decode(errors='replace').strip()}")
        target.mkdir(parents=True)
        # "data" refuses links and paths out of target: each refusal is a finding, not a crash.
        refused = extract_archive(archive.stdout, target)
        (target / FINDINGS_FILE).write_text(json.dumps([f.to_dict() for f in refused], ensure_ascii=False))
        (target / ".complete").touch()
    return Snapshot(root=target, commit=commit, unpushed=unpushed, findings=_stored_findings(target))


FINDINGS_FILE = ".findings.json"


def _stored_findings(target: Path) -> tuple[Finding, ...]:
    """What was left out when this commit was unpacked (kept beside it: the unpacking is cached)."""
    try:
        data = json.loads((target / FINDINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return tuple(Finding(d["code"], d["message"], d["path"], d.get("line"), d.get("col")) for d in data)


@dataclass(frozen=True)
class ContentIdentity:
    """What a ledger remembers of the content repo it serves (publisher.ledger.identity)."""

    repo: str | None  # root commit of the git repo (None: a plain folder)
    remote: str | None  # its `origin` URL, shown in messages (a mirror may move; the root stays)
    content_path: str  # the content folder inside the repo, or a plain folder's absolute path


def content_identity(root: Path, *, use_git: bool = True) -> ContentIdentity:
    if not (use_git and in_git(root)):
        return ContentIdentity(None, None, str(root.resolve()))
    roots = sorted(_git(root, "rev-list", "--max-parents=0", "HEAD").split())
    remote = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"],
                            capture_output=True, text=True, check=False).stdout.strip()
    prefix = _git(root, "rev-parse", "--show-prefix").rstrip("/")
    return ContentIdentity(roots[0] if roots else None, remote or None, prefix)
