"""Symbolic links in the content repo: a finding each, never a traceback.

A link that points outside the repo (an absolute path, `../../etc/passwd`) or at nothing is not
content anybody reviewed, and it must not stop the other items from syncing. Committed content
is unpacked member by member through tarfile's "data" filter: a member the filter refuses is
left out and reported with its path in the repo; links left in a folder are reported the same
way (`link_findings`). Which items a finding touches is `items_touched`.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path, PurePosixPath

from publisher.content.findings import Finding

ITEMS_DIR = "items"
INDEX_NAME = "index.md"


def _outside(path: str, target: str) -> Finding:
    return Finding(
        "link-outside-repo",
        f"链接（symlink）指向内容库以外的“{target}”，已跳过：请把文件本身放进内容库，不要用链接",
        path,
    )


def _dangling(path: str, target: str) -> Finding:
    return Finding(
        "link-dangling",
        f"链接（symlink）指向的“{target}”不存在（失效链接），已跳过：请删除该链接，或换成文件本身",
        path,
    )


def extract_archive(data: bytes, target: Path) -> list[Finding]:
    """Unpack a `git archive` tar into `target`; members the "data" filter refuses (links out
    of the repo, absolute paths, devices) become findings with their path in the repo."""
    findings: list[Finding] = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            try:
                tar.extract(member, target, filter="data")
            except (tarfile.AbsoluteLinkError, tarfile.LinkOutsideDestinationError):
                findings.append(_outside(member.name, member.linkname))
            except tarfile.FilterError as exc:  # absolute names, special files: never content
                findings.append(Finding("file-refused", f"无法作为内容读取，已跳过（{type(exc).__name__}）", member.name))
    return findings


def link_findings(root: Path) -> list[Finding]:
    """Every link under `items/` that dangles or leads out of `root`, relative path first."""
    base = root / ITEMS_DIR
    if not base.is_dir():
        return []
    real_root = root.resolve()
    findings: list[Finding] = []
    for folder, dirs, files in os.walk(base):  # does not follow links into other folders
        for name in sorted([*dirs, *files]):
            path = Path(folder) / name
            if not path.is_symlink():
                continue
            shown = path.relative_to(root).as_posix()
            target = os.readlink(path)
            if not path.exists():
                findings.append(_dangling(shown, target))
            elif not path.resolve().is_relative_to(real_root):
                findings.append(_outside(shown, target))
    return sorted(findings, key=lambda f: f.path)


def items_touched(findings: list[Finding]) -> set[str]:
    """Ids of items whose own `index.md` is one of these findings' files: those items cannot be
    read at all this time, so sync keeps what it planned from them before."""
    touched = set()
    for finding in findings:
        parts = PurePosixPath(finding.path).parts
        if len(parts) >= 3 and parts[0] == ITEMS_DIR and parts[-1] == INDEX_NAME:
            touched.add("/".join(parts[1:-1]))
    return touched
