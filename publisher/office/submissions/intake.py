"""`publisher intake`: a department's Word file becomes a submission (报送) in the content repo.

The converted text and its pictures go to `submissions/<year>/<key>/` (outside `items/`, so
nothing is published from there), written as an item's `index.md` that is a draft. The ledger
records the submission with its department, 信息员, type and date. Adopting it
(`adopt_submission`) copies the folder to `items/<year>/<month>/<key>/` — a draft item that
then goes through review like any other — and links the two.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

import yaml

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger
from publisher.ledger.submissions import NewSubmission, Submission, SubmissionError
from publisher.office.submissions.word import WordFileError, read_word

SUBMISSIONS_DIR = "submissions"
TITLE_LIMIT = 64


class IntakeError(ValueError):
    """The submission cannot be taken in or adopted; the message is for the editor."""


@dataclass
class IntakeResult:
    submission: Submission
    folder: Path
    title_from: str  # "标题" (the first heading), "首段" or "文件名"
    pictures: int
    footnotes: int
    warnings: list[str] = field(default_factory=list)


def front_matter(title: str, author: str, department: str, when: datetime) -> str:
    data = {"title": title, "author": author, "department": department,
            "publish_at": f"{when:%Y-%m-%d %H:%M}", "draft": True}  # fmt: skip
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n\n"


def _next_key(ledger: Ledger, root: Path, when: datetime) -> str:
    taken = {s.key for s in ledger.submissions()}
    for n in range(1, 1000):
        key = f"{when:%Y%m%d}-{n:02d}"
        if key not in taken and not (root / SUBMISSIONS_DIR / f"{when:%Y}" / key).exists():
            return key
    raise IntakeError(f"{when:%Y-%m-%d} 的报送已超过 999 条")


def intake(
    ledger: Ledger,
    matrix: Matrix,
    root: Path,
    source: Path,
    *,
    department: str,
    reporter: str,
    info_type: str | None = None,
    when: datetime,
) -> IntakeResult:
    department, reporter = department.strip(), reporter.strip()
    if not department or not reporter:
        raise IntakeError("请写明报送单位（--department）和信息员（--reporter）")
    types = matrix.report.types
    info_type = (info_type or types[0]).strip()
    if info_type not in types:
        raise IntakeError(f"未知的信息类型“{info_type}”，可选：{'、'.join(types)}（在 publisher.toml 的 [report] types 中设置）")
    try:
        document = read_word(source)
    except WordFileError as exc:
        raise IntakeError(str(exc)) from None

    body, title_from = document.body, "标题"
    title = (document.title or "").strip()
    if not title:
        first, _, rest = body.partition("\n\n")
        if first and len(first) <= TITLE_LIMIT and "\n" not in first and not first.startswith(("!", "|", "-")):
            title, body, title_from = first.strip(), rest.lstrip() or "\n", "首段"
        else:
            title, title_from = source.stem, "文件名"

    key = _next_key(ledger, root, when)
    folder = root / SUBMISSIONS_DIR / f"{when:%Y}" / key
    folder.mkdir(parents=True)
    try:
        (folder / "index.md").write_text(front_matter(title, reporter, department, when) + body, encoding="utf-8")
        for name, data in document.pictures.items():
            (folder / name).write_bytes(data)
        submission = ledger.add_submission(
            NewSubmission(key=key, title=title, department=department, info_type=info_type, submitted_at=when,
                          reporter=reporter, file=folder.relative_to(root).as_posix()),  # fmt: skip
            source="intake", now=when,
        )
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half taken in
        raise
    return IntakeResult(submission, folder, title_from, len(document.pictures), document.footnotes, document.warnings)


def adopt_submission(
    ledger: Ledger, root: Path, key: str, *, item_id: str | None = None, now: datetime, tz: tzinfo
) -> tuple[Submission, Path | None]:
    """采用: link the submission to `item_id`, or make its item from the submission's folder.
    Returns the submission and the folder of the item made (None when linked to an existing one)."""
    submission = ledger.submission(key)
    if submission is None:
        raise IntakeError(f"没有编号为“{key}”的报送")
    made = None
    if item_id is None:
        if not submission.file or not (root / submission.file / "index.md").is_file():
            raise IntakeError(f"报送“{key}”没有稿件文件（{submission.file or '导入的记录'}），请用 --item 指定对应的稿件")
        item_id = f"{submission.submitted_at.astimezone(tz):%Y/%m}/{key}"
        made = root / "items" / item_id
        if made.exists():
            raise IntakeError(f"稿件目录 items/{item_id} 已存在")
        shutil.copytree(root / submission.file, made)
    elif not (root / "items" / item_id / "index.md").is_file():
        raise IntakeError(f"找不到稿件 items/{item_id}/index.md")
    try:
        done = ledger.decide_submission(key, "adopted", item_id=item_id, now=now)
    except SubmissionError as exc:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        raise IntakeError(str(exc)) from None
    return done, made
