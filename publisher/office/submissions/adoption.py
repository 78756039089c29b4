"""Recording adoptions (采用) of an item or a submission by a body: the office's own 《信息》
(本级) or a higher-level one (市级/省级/国家级 政务信息, mainstream media), and the office's
decisions on submissions (采用 / 未采用 / 退回修改)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger
from publisher.ledger.submissions import STATE_BY_LABEL, Adoption, NewAdoption, SubmissionError


class AdoptionError(ValueError):
    """An adoption or a decision that cannot be recorded; the message is for the editor."""


@dataclass(frozen=True)
class Subject:
    """What was adopted: an item of the content repo, or a submission that has no item yet."""

    item_id: str | None
    submission_key: str | None
    title: str
    submitted_at: datetime | None

    @property
    def shown(self) -> str:
        return self.item_id or self.submission_key or ""


def find_subject(ledger: Ledger, root: Path, name: str) -> Subject:
    """`name` is an item id (`2026/11/work-meeting`, as under items/) or a submission's 编号."""
    name = name.strip().strip("/")
    if name.startswith("items/"):
        name = name[len("items/"):]
    submission = ledger.submission(name)
    if submission is not None:
        if submission.item_id:
            return Subject(submission.item_id, None, submission.title, submission.submitted_at)
        return Subject(None, submission.key, submission.title, submission.submitted_at)
    linked = next((s for s in ledger.submissions() if s.item_id == name), None)
    if linked is not None:
        return Subject(name, None, linked.title, linked.submitted_at)
    versions = ledger.list_item_versions(name)
    if versions:
        return Subject(name, None, versions[-1].title, versions[-1].publish_at)
    if (root / "items" / name / "index.md").is_file():
        return Subject(name, None, name, None)
    raise AdoptionError(f"找不到稿件或报送“{name}”：请写 items/ 下的稿件路径（如 2026/11/work-meeting）或报送编号")


def record_adoption(
    ledger: Ledger,
    matrix: Matrix,
    root: Path,
    name: str,
    *,
    level: str,
    outlet: str,
    adopted_at: datetime,
    url: str | None = None,
    source: str = "cli",
    now: datetime | None = None,
) -> tuple[Subject, Adoption | None]:
    """Record that `outlet` adopted `name` at `level`; (subject, None) when already recorded."""
    levels = matrix.report.levels
    level = level.strip()
    if level not in levels:
        raise AdoptionError(f"未知的采用级别“{level}”，可选：{'、'.join(levels)}（在 publisher.toml 的 [report] levels 中设置）")
    outlet = outlet.strip()
    if not outlet:
        raise AdoptionError("请写明采用单位或刊物，如 --by \"省政府办公厅《政务信息》\"")
    if url and not url.startswith(("http://", "https://")):
        raise AdoptionError(f"链接“{url}”应以 http:// 或 https:// 开头")
    subject = find_subject(ledger, root, name)
    if subject.submission_key and subject.submitted_at and adopted_at < subject.submitted_at:
        raise AdoptionError(
            f"采用日期 {adopted_at:%Y-%m-%d} 早于报送日期 {subject.submitted_at.astimezone(matrix.tz):%Y-%m-%d}"
        )
    try:
        record = ledger.record_adoption(
            NewAdoption(level=level, outlet=outlet, adopted_at=adopted_at, item_id=subject.item_id,
                        submission_key=subject.submission_key, url=url),  # fmt: skip
            source=source, now=now,
        )
    except SubmissionError as exc:
        raise AdoptionError(str(exc)) from None
    return subject, record


def decide(ledger: Ledger, key: str, decision: str, *, item_id: str | None = None, note: str | None = None,
           now: datetime | None = None):  # fmt: skip
    """采用 / 未采用 / 退回修改 / 报送 (resubmitted) for one submission."""
    state = STATE_BY_LABEL.get(decision, decision)
    try:
        return ledger.decide_submission(key, state, item_id=item_id, note=note, now=now)
    except SubmissionError as exc:
        raise AdoptionError(str(exc)) from None
