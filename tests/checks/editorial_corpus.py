"""The editorial corpus (tests/checks/editorial_corpus.yaml) as real items in a content repo with
the sample content's publisher.toml, checked by `check_items` exactly as `publisher check` does.

`python -m tests.checks.editorial_corpus` prints the figures (flagged / missed / false positives).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import yaml
from PIL import Image

from publisher.checks import check_items
from publisher.content.findings import Finding
from publisher.content.matrix import load_matrix

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "editorial_corpus.yaml"
SAMPLE_CONFIG = HERE.parents[1] / "content" / "publisher.toml"
# The codes of the rules the corpus is about: any of them on a must-not-flag case is a false
# positive, and any other one than expected on a must-flag case too.
EDITORIAL_CODES = {
    "secret-marker", "secret-mention", "classification-not-public", "placeholder",
    "script-traditional", "sensitive-word",
}
REVIEW = """review:
  - stage: 初审
    by: 李明
    at: 2026-11-19 10:00
  - stage: 复审
    by: 王芳
    at: 2026-11-19 14:00
  - stage: 终审
    by: 赵强
    at: 2026-11-19 17:00
"""
FILLER = "市数据管理局召开专题会议，研究部署下一阶段重点工作。"


@dataclass
class Case:
    index: int
    where: str
    text: str
    code: str | None
    severity: str | None
    note: str = ""
    also: tuple[str, ...] = ()
    line: int = 0  # file line where the text is, set when the item is written

    @property
    def folder(self) -> str:
        return f"corpus/case-{self.index:03d}"


@dataclass
class Outcome:
    case: Case
    findings: list[Finding] = field(default_factory=list)

    @property
    def editorial(self) -> list[Finding]:
        return [f for f in self.findings if f.code in EDITORIAL_CODES]

    @property
    def hit(self) -> bool:
        c = self.case
        return any(f.code == c.code and str(f.severity) == c.severity and f.line == c.line for f in self.editorial)

    @property
    def false_positives(self) -> list[Finding]:
        return [f for f in self.editorial if f.code != self.case.code and f.code not in self.case.also]


def load_cases() -> list[Case]:
    raw = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return [
        Case(i, c["where"], c["text"], c.get("code"), c.get("severity"), c.get("note", ""), tuple(c.get("also", ())))
        for i, c in enumerate(raw)
    ]


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def write_item(root: Path, case: Case) -> None:
    title, author, summary, extra, body = "市数据管理局召开专题会议", "张三", "", "", [FILLER, ""]
    if case.where == "title":
        title = case.text
    elif case.where == "author":
        author = case.text
    elif case.where == "tag":
        extra = f"tags:\n  - {case.text}\n"
    elif case.where == "summary":
        summary = f"summary: {case.text}\n"
    elif case.where == "classification":
        extra = f"classification: {case.text}\n"
    elif case.where == "weibo":
        extra = f"targets:\n  site:\n  weibo:\n    text: {case.text}\n"
    elif case.where == "body":
        body += [case.text, ""]
    elif case.where == "caption":
        body += ["![会场](photo.png)", f"*{case.text}*", ""]
    elif case.where == "alt":
        body += [f"![{case.text}](photo.png)", ""]
    else:
        raise ValueError(f"unknown place {case.where!r}")
    head = (f"---\ntitle: {title}\nauthor: {author}\ndepartment: 办公室\npublish_at: 2026-11-20 09:00\n"
            f"{summary}{extra}{REVIEW}---\n\n")
    text = head + "\n".join(body)
    folder = root / "items" / case.folder
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(text, encoding="utf-8")
    (folder / "photo.png").write_bytes(_png())
    lines = text.split("\n")
    needle = {"classification": "classification:", "weibo": "    text:", "summary": "summary:",
              "title": "title:", "author": "author:", "tag": "  - "}.get(case.where, case.text)
    case.line = next(i + 1 for i, line in enumerate(lines) if needle in line)


def evaluate(workdir: Path) -> list[Outcome]:
    cases = load_cases()
    shutil.copy(SAMPLE_CONFIG, workdir / "publisher.toml")
    for case in cases:
        write_item(workdir, case)
    report = check_items(workdir, load_matrix(workdir), workers=1)
    outcomes = {c.folder: Outcome(c) for c in cases}
    for f in report.findings:
        folder = f.path.removeprefix("items/").rsplit("/", 1)[0]
        if folder in outcomes:
            outcomes[folder].findings.append(f)
    return [outcomes[c.folder] for c in cases]


def figures(outcomes: list[Outcome]) -> dict[str, int]:
    must = [o for o in outcomes if o.case.code]
    clean = [o for o in outcomes if not o.case.code]
    return {
        "cases": len(outcomes),
        "must_flag": len(must),
        "flagged": sum(o.hit for o in must),
        "missed": sum(not o.hit for o in must),
        "must_not_flag": len(clean),
        "false_positives": sum(len(o.false_positives) for o in outcomes),
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = evaluate(Path(tmp))
    for o in outcomes:
        if (o.case.code and not o.hit) or o.false_positives:
            print(f"[{o.case.index}] {o.case.where}: {o.case.text}  expected {o.case.code}")
            for f in o.editorial:
                print(f"      got {f.severity} [{f.code}] line {f.line}: {f.message}")
    print(" ".join(f"{k}={v}" for k, v in figures(outcomes).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
