"""Findings: what the loader and the editorial checks report about an item.

A finding is a user sentence (Simplified Chinese) with a stable machine code and the place it
came from (`path:line:col`). Errors block publishing; warnings do not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    path: str
    line: int | None = None
    col: int | None = None
    severity: Severity = Severity.ERROR
    # Suggested replacement text, when a check knows one (preferred wordings, typography).
    suggestion: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return where

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} [{self.code}] {self.message}"


@dataclass
class FindingSink:
    """Collects findings for many files in one run (the MkDocs way: report all, abort once)."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


def display_path(path: Path, root: Path | None = None) -> str:
    """Path as an editor wants to read it: relative to the content root when possible."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
