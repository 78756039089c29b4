"""`publisher sign` and `publisher diff`: a reviewer's sign-off as their own commit, and what
changed since the last one.

`sign` writes one `review:` line (stage, the reviewer's registered name, the time) into the item's
front matter and commits only that file as the current git user, signed (`-S`) when the policy
requires signatures. It refuses when the current git identity is not a registered reviewer for
the stage, or when the item has uncommitted changes (a sign-off approves a committed version).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher.content.approval import SignLine, current_digest, parse_source
from publisher.content.history import (
    SignEvent,
    head_commit,
    invalidated,
    load_history,
    repo_location,
)
from publisher.content.loader import ITEM_FILE, ITEMS_DIR
from publisher.content.matrix import Matrix


class SigningError(Exception):
    """The sign-off cannot be made; the message is for the reviewer."""


@dataclass(frozen=True)
class Signed:
    commit: str
    line: SignLine


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)


def git_identity(root: Path) -> tuple[str, str]:
    """The author git will record for the next commit (config or GIT_AUTHOR_* environment)."""
    ident = _git(root, "var", "GIT_AUTHOR_IDENT")
    match = re.match(r"^(.*) <([^>]*)>", ident.stdout.strip())
    if ident.returncode != 0 or match is None or not match[2]:
        raise SigningError("没有设置 git 身份：请先运行 git config user.name 和 git config user.email")
    return match[1].strip(), match[2].strip()


_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def insert_signoff(text: str, line: SignLine) -> str:
    """The item text with one more `review:` entry, the rest of the file unchanged."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise SigningError("条目文件开头缺少 YAML 头信息（---），无法写入签发")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise SigningError("条目文件的 YAML 头信息没有结束标记（---），无法写入签发")
    at = line.at
    start = next((i for i in range(1, end) if re.match(r"^review\s*:", lines[i])), None)
    if start is None:
        entry = ["review:", f"  - stage: {line.stage}", f"    by: {line.by}", f'    at: "{at}"']
        lines[end:end] = entry
    elif re.match(r"^review\s*:\s*(\[\s*\])?\s*(#.*)?$", lines[start]) and "[" in lines[start]:
        lines[start : start + 1] = ["review:", f"  - stage: {line.stage}", f"    by: {line.by}", f'    at: "{at}"']
    elif lines[start].split(":", 1)[1].strip() and not lines[start].split(":", 1)[1].strip().startswith("#"):
        raise SigningError("review 写成了单行形式，请改为每行一个签发的列表后再签发")
    else:
        stop = start + 1
        indent = "  "
        while stop < end and (not lines[stop].strip() or not _TOP_KEY.match(lines[stop])):
            match = re.match(r"^(\s*)-\s", lines[stop])
            if match:
                indent = match[1]
            stop += 1
        while stop - 1 > start and not lines[stop - 1].strip():
            stop -= 1
        pad = indent + "  "
        lines[stop:stop] = [f"{indent}- stage: {line.stage}", f"{pad}by: {line.by}", f'{pad}at: "{at}"']
    result = newline.join(lines)
    if parse_source(result.encode()).lines[-1:] != (line,):
        raise SigningError("写入签发后无法读回这一行，请检查条目的 review 格式")
    return result


def sign(root: Path, matrix: Matrix, item_id: str, stage: str, now: datetime) -> Signed:
    """Write the current git user's sign-off of `stage` into the item and commit it."""
    policy = matrix.review
    if stage not in policy.stages:
        raise SigningError(f"审核环节“{stage}”不在审核制度中（应为：{'、'.join(policy.stages)}）")
    if repo_location(root) is None:
        raise SigningError(f"{root} 不在 git 版本管理中：签发必须作为审核人本人的提交记录下来")
    path = root / ITEMS_DIR / item_id / ITEM_FILE
    if not path.is_file():
        raise SigningError(f"内容库中没有条目 {item_id}")
    name, email = git_identity(root)
    reviewer = policy.reviewer(email)
    if reviewer is None:
        raise SigningError(f"当前 git 身份 {name} <{email}> 不是 publisher.toml 中登记的审核人，不能签发")
    if stage not in reviewer.stages:
        raise SigningError(f"{reviewer.name}无权签发“{stage}”（可签发：{'、'.join(reviewer.stages)}）")
    folder = path.parent
    dirty = _git(root, "status", "--porcelain", "--", str(folder)).stdout.strip()
    if dirty:
        raise SigningError(f"条目 {item_id} 有未提交的改动：签发的是已提交的版本，请先提交改动（git commit），再签发")
    line = SignLine(stage, reviewer.name, now.strftime("%Y-%m-%d %H:%M"))
    raw = path.read_bytes()
    path.write_bytes(insert_signoff(raw.decode("utf-8-sig"), line).encode("utf-8"))
    args = ["commit", "--quiet", "-m", f"签发{stage}：{item_id}（{reviewer.name}）"]
    if policy.require_signatures:
        args.append("-S")
    done = _git(root, *args, "--", str(path))
    if done.returncode != 0:
        path.write_bytes(raw)
        raise SigningError(f"提交签发失败：{(done.stderr or done.stdout).strip()}")
    return Signed(head_commit(root) or "", line)


def reference_signoff(root: Path, matrix: Matrix, item_id: str, stage: str | None = None) -> SignEvent | None:
    """The sign-off to compare with: the given stage's; else the one after which the content
    changed (history.invalidated); else the most recent one."""
    folder = root / ITEMS_DIR / item_id
    history = load_history(root, matrix.review)
    if history is None or not (folder / ITEM_FILE).is_file():
        return None
    trail = history.trail(item_id)
    digest, parsed = current_digest((folder / ITEM_FILE).read_bytes(), folder)
    latest = {line.stage: line for line in parsed.lines}
    events = {s: e for s, line in latest.items() if (e := trail.event(line)) is not None}
    if stage is not None:
        return events.get(stage)
    undone = invalidated(trail, parsed.lines, matrix.review.stages, digest)
    if undone:
        return undone[0].prior
    return max(events.values(), key=lambda e: e.commit.order, default=None)


def diff_since_signoff(root: Path, matrix: Matrix, item_id: str, stage: str | None = None) -> tuple[SignEvent, str]:
    """(the sign-off compared with, `git diff` of the item folder from its commit to the working tree)."""
    if repo_location(root) is None:
        raise SigningError(f"{root} 不在 git 版本管理中，无法比较签发后的改动")
    if not (root / ITEMS_DIR / item_id / ITEM_FILE).is_file():
        raise SigningError(f"内容库中没有条目 {item_id}")
    event = reference_signoff(root, matrix, item_id, stage)
    if event is None:
        which = f"“{stage}”" if stage else ""
        raise SigningError(f"条目 {item_id} 还没有已提交的{which}签发")
    folder = root / ITEMS_DIR / item_id
    done = _git(root, "diff", "--no-color", "--stat", "--patch", event.commit.sha, "--", str(folder))
    if done.returncode != 0:
        raise SigningError(f"git diff 失败：{done.stderr.strip()}")
    return event, done.stdout
