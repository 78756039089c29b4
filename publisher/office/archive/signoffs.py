"""The sign-offs of one archived version: who signed which stage, when, the content each approved
and what verifying them against the content repo's git history found (DESIGN decision 9).

The archive re-checks from the record, not from today's checks: the version's own `index.md`
(stored when it was planned) gives the lines; the history up to the commit it was read from
gives, per line, the commit that introduced it, its author and its signature status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from publisher.checks.signoffs import signature_problem
from publisher.content.approval import current_digest
from publisher.content.history import HistoryError, RepoHistory, invalidated, load_history
from publisher.content.matrix import ReviewPolicy
from publisher.content.model import ContentItem


@dataclass(frozen=True)
class SignoffRecord:
    stage: str
    by: str
    at: str  # as written in the item
    approved_digest: str | None  # what readers saw when the line was committed (None: unknown)
    matches_version: bool | None  # the approved content is the archived version's
    commit: str | None
    committer: str | None
    signature: str  # Chinese sentence: the verification result
    verdict: str  # "通过" | "未核验" | "不通过"

    def to_dict(self) -> dict:
        return asdict(self)


class HistoryCache:
    """One history read per commit, shared by every version read from it."""

    def __init__(self, repo_root: Path | None, policy: ReviewPolicy):
        self.repo_root, self.policy = repo_root, policy
        self._read: dict[str, RepoHistory | None | str] = {}

    def at(self, commit: str) -> RepoHistory | str | None:
        """The history, or a Chinese sentence why it cannot be read."""
        if commit not in self._read:
            if self.repo_root is None:
                self._read[commit] = "内容库不在 git 版本管理中"
            else:
                try:
                    self._read[commit] = load_history(self.repo_root, self.policy, commit=commit)
                except (HistoryError, OSError) as exc:
                    self._read[commit] = f"无法读取提交 {commit[:7]} 的历史：{exc}"
        return self._read[commit]


def version_digest(item: ContentItem) -> str:
    return current_digest(item.source_bytes, item.folder)[0]


def signoff_records(item: ContentItem, policy: ReviewPolicy, commit: str | None,
                    histories: HistoryCache) -> list[SignoffRecord]:
    digest, parsed = current_digest(item.source_bytes, item.folder)
    if policy.verify == "none":
        why = "内容库设置为不核验签发（[review] verify = \"none\"），按稿件记载归档"
        return [SignoffRecord(line.stage, line.by, line.at, None, None, None, None, why, "未核验") for line in parsed.lines]
    history = histories.at(commit) if commit else "账本未记录该版本的提交"
    if not isinstance(history, RepoHistory):
        why = history or "内容库不在 git 版本管理中"
        return [SignoffRecord(line.stage, line.by, line.at, None, None, None, None, why, "未核验") for line in parsed.lines]
    trail = history.trail(item.id)
    undone = {u.stage for u in invalidated(trail, parsed.lines, policy.stages, digest)}
    records = []
    for line in parsed.lines:
        event = trail.event(line)
        if event is None:
            records.append(SignoffRecord(line.stage, line.by, line.at, None, None, None, None,
                                         "找不到加入这一签发的提交", "不通过"))
            continue
        problems = []
        reviewer = policy.reviewer(event.commit.email)
        if reviewer is None or reviewer.name != line.by:
            problems.append(f"提交人 {event.commit.who} 不是登记的审核人{line.by}")
        elif line.stage not in reviewer.stages:
            problems.append(f"{reviewer.name}无权签发“{line.stage}”")
        if policy.require_signatures:
            why = signature_problem(event.commit, reviewer) if reviewer is not None else "提交人不是登记的审核人"
            signature = f"签名{why}" if why and not why.startswith("签名") else (why or "签名有效（git 核验通过，密钥为登记的本人密钥）")
            if why:
                problems.append(signature)
        else:
            signature = "内容库未要求签名，未核验签名"
        if line.stage in undone:
            problems.append("签发后稿件有改动，该签发已失效")
        verdict = "不通过" if problems else "通过"
        text = "；".join([signature, *[p for p in problems if p != signature]])
        records.append(SignoffRecord(line.stage, line.by, line.at, event.digest, event.digest == digest,
                                     event.commit.sha, event.commit.who, text, verdict))
    return records
