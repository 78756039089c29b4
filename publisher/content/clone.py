"""The publisher's own clone of the content repo (`PUBLISHER_CONTENT_REMOTE`).

A deployment (compose, a server) should not read an editor's checkout: a bind-mounted repo of
another user is one git refuses ("dubious ownership"), a read-only mount cannot be fetched into,
and a working tree holds edits nobody committed. Given the remote the office pushes to, the
publisher clones it into `PUBLISHER_CONTENT_DIR` (a folder it owns, e.g. a volume) on first use;
every sync then fetches, reads the upstream's commit, and moves the clone's work tree there so
commands that read files (`status`, `check`) see the same configuration.
"""

from __future__ import annotations

import fcntl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CloneError(Exception):
    """The clone cannot be made or is not ours; the message is for operators (a SourceError to sync)."""


@contextmanager
def clone_lock(root: Path) -> Iterator[None]:
    """One process at a time clones, fetches and moves the clone (Celery runs several syncs at
    once on one volume; two `git fetch` in one repo fight over its lock files)."""
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


def ensure_clone(root: Path, remote: str, branch: str | None = None) -> None:
    """Clone `remote` into `root` unless `root` already is a clone of it."""
    if (root / ".git").exists():
        origin = _run("git", "-C", str(root), "remote", "get-url", "origin")
        if origin.returncode != 0:
            raise CloneError(f"{root} 已是 git 仓库，但无法读取它的 origin：{origin.stderr.strip()}")
        if origin.stdout.strip() != remote:
            raise CloneError(
                f"{root} 是另一个仓库（{origin.stdout.strip()}）的克隆，不是 PUBLISHER_CONTENT_REMOTE 指定的 {remote}："
                "请换一个空目录作为 PUBLISHER_CONTENT_DIR，或改正 PUBLISHER_CONTENT_REMOTE"
            )
        return
    if root.exists() and any(root.iterdir()):
        raise CloneError(
            f"PUBLISHER_CONTENT_DIR（{root}）不是空目录，无法在其中克隆内容库 {remote}：请指定一个空目录或新卷"
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    argv = ["git", "clone", "--quiet", *(["--branch", branch] if branch else []), remote, str(root)]
    done = _run(*argv)
    if done.returncode != 0:
        raise CloneError(
            f"无法克隆内容库 {remote}：{done.stderr.strip()}（请检查地址、网络和访问凭据，如 SSH 密钥或访问令牌）"
        )
