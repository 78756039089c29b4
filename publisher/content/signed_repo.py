"""A content repo whose git history carries its sign-offs, built from a folder (the demo's).

The sample content in `content/` lives inside the project's own repository, whose commits are
made by developers, not by the reviewers publisher.toml registers; its sign-off lines therefore
prove nothing there. `publisher demo` copies the folder into its state directory and replays it
as an office would have worked: the editorial office commits each item without sign-offs, then
each `review:` line is added in its own commit by the registered reviewer it names, dated with
the line's time (and signed, when the policy requires signatures and the reviewer's key is on
this machine — it never is in the demo, so the sample policy does not require them). A line
naming someone who is not registered is committed by the editorial office, so it stays blocked,
exactly as it would in a real repo.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from publisher.content.approval import SignLine, parse_source
from publisher.content.loader import ITEM_FILE, ITEMS_DIR
from publisher.content.matrix import Matrix
from publisher.content.signing import insert_signoff
from publisher.content.timeparse import parse_local_datetime

EDITORS = ("编辑部", "editors@publisher.invalid")
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def strip_review(text: str) -> str:
    """The item text without its `review:` block (the rest byte for byte)."""
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if not lines or lines[0].strip() != "---" or end is None:
        return text
    start = next((i for i in range(1, end) if re.match(r"^review\s*:", lines[i])), None)
    if start is None:
        return text
    stop = start + 1
    while stop < end and (not lines[stop].strip() or not _TOP_KEY.match(lines[stop])):
        stop += 1
    return "\n".join(lines[:start] + lines[stop:])


def _commit(root: Path, message: str, who: tuple[str, str], when: datetime | None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],
           "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    for args in (["add", "-A"], ["-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message]):
        subprocess.run(["git", "-C", str(root), *args], env=env, check=True, capture_output=True)


def build_signed_repo(source: Path, target: Path, matrix: Matrix) -> Path:
    """Copy `source` to `target` as a fresh git repo whose history satisfies the sign-off rules."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".git"), symlinks=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True, capture_output=True)
    pending: list[tuple[datetime, int, str, SignLine]] = []
    for number, path in enumerate(sorted((target / ITEMS_DIR).rglob(ITEM_FILE))):
        raw = path.read_bytes()
        item_id = path.parent.relative_to(target / ITEMS_DIR).as_posix()
        for line in parse_source(raw).lines:
            try:
                when = parse_local_datetime(line.at, matrix.tz)
            except ValueError:
                when = datetime.now(matrix.tz)
            pending.append((when, number, item_id, line))
        path.write_text(strip_review(raw.decode("utf-8-sig")), encoding="utf-8")
    first = min((when for when, *_ in pending), default=None)
    _commit(target, "示例内容库：稿件初稿", EDITORS, first)
    # Each line in its own commit, in time order (stages of one item in the order written).
    for when, _number, item_id, line in sorted(pending, key=lambda p: (p[0], p[1])):
        path = target / ITEMS_DIR / item_id / ITEM_FILE
        path.write_text(insert_signoff(path.read_text(encoding="utf-8"), line), encoding="utf-8")
        reviewer = next((r for r in matrix.review.reviewers if r.name == line.by), None)
        who = (reviewer.name, reviewer.email) if reviewer else EDITORS
        _commit(target, f"签发{line.stage}：{item_id}（{line.by}）", who, when)
    return target
