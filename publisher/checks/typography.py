"""Chinese typography (autocorrect): half-width punctuation in Chinese text, missing space between
Chinese and Latin words, full-width digits and letters.

autocorrect reports a fragment per line with its corrected form; each fragment is diffed into
small edits, and every edit is classified. Two of autocorrect's habits do not suit government
writing and are dropped: spaces between Chinese and digits (“2026年11月20日” stays as written,
GB/T 15835) and spaces around half-width brackets. Code blocks are left alone (autocorrect's
`codeblock` context off) and so are URLs. The check and `--fix` apply the same edit list, so a
fixed body checks clean.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

import autocorrect_py

from publisher.checks.context import CheckContext, TextMap, file_lines, finding, locate_in_field
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

_CONFIG = json.dumps({
    "rules": {"space-bracket": 0, "space-dash": 0, "space-punctuation": 0, "spellcheck": 0},
    "context": {"codeblock": 0},
})

KINDS = {
    "spacing": ("typography-spacing", "中文与英文之间应加空格"),
    "extra-space": ("typography-extra-space", "全角标点前后不应有空格"),
    "punctuation": ("typography-punctuation", "中文语境中应使用全角标点（如“，”而不是“,”）"),
    "fullwidth": ("typography-fullwidth", "数字和英文字母应使用半角字符"),
    "other": ("typography", "排版不规范"),
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_DIGITISH = re.compile(r"[0-9%.]")
_ASCII_PUNCT = set(",.!?:;'\"()")
_FULLWIDTH_ALNUM = re.compile(r"^[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]+$")
# Raw HTML attribute values that are addresses or code, not prose: never touched.
_HTML_ATTRIBUTE = re.compile(
    r"""\b(?:src|href|srcset|style|class|id|data-[\w-]+)\s*=\s*("[^"\n]*"|'[^'\n]*'|[^\s>]+)""",
    re.IGNORECASE,
)


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_FULL_PUNCT = "\uff0c\u3002\uff01\uff1f\uff1a\uff1b\u3001\u201c\u201d\u2018\u2019"
# A line can only need one of our edits if it has one of these; others skip autocorrect's
# Markdown parser (the expensive part), which is what makes 10,000 items fast.
_SUSPECT = re.compile(
    rf"[{_HAN}][*_~`]*[A-Za-z`,.!?:;]|[A-Za-z`,.!?:;][*_~`]*[{_HAN}]"
    r"|[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
    rf"|[ \t][{_FULL_PUNCT}]|[{_FULL_PUNCT}][ \t]"
    rf"|[A-Za-z0-9][{_FULL_PUNCT}]"
)
# Lines that carry Markdown structure the suspects' meaning depends on (code fences, HTML).
_STRUCTURE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}|<)")


def configure() -> None:
    """autocorrect keeps one process-wide configuration; set ours before linting."""
    autocorrect_py.load_config(_CONFIG)


configure()


@dataclass(frozen=True, slots=True)
class Edit:
    start: int  # offset in the checked text
    end: int
    replacement: str
    kind: str


def _classify(text: str, start: int, end: int, replacement: str) -> str | None:
    """The kind of one edit, or None for edits house style does not want."""
    old = text[start:end]
    if not old and not replacement.strip():
        left = text[start - 1] if start > 0 else ""
        right = text[start] if start < len(text) else ""
        pair = (bool(_CJK.match(left)), bool(_CJK.match(right)))
        if (pair == (True, False) and _DIGITISH.match(right)) or (pair == (False, True) and _DIGITISH.match(left)):
            return None  # “2026年”, “增长5%”: no space between Chinese and numbers
        return "spacing"
    if not replacement and not old.strip():
        return "extra-space"
    if old and replacement and set(old) <= _ASCII_PUNCT and _CJK.match(replacement):
        return "punctuation"
    if old and _FULLWIDTH_ALNUM.match(old):
        return "fullwidth"
    return "other"


def _align(old: str, new: str) -> list[tuple[int, int, str]] | None:
    """(start, end, replacement) edits turning `old` into `new`, in one linear pass.

    autocorrect only inserts or removes spaces and swaps characters one for one (punctuation,
    full-width letters), so a greedy walk aligns them exactly; anything else falls back to difflib.
    """
    edits: list[tuple[int, int, str]] = []
    i = j = 0
    while i < len(old) and j < len(new):
        if old[i] == new[j]:
            i, j = i + 1, j + 1
        elif new[j] == " ":
            edits.append((i, i, " "))
            j += 1
        elif old[i] == " ":
            edits.append((i, i + 1, ""))
            i += 1
        elif unicodedata.east_asian_width(old[i]) != unicodedata.east_asian_width(new[j]):
            if edits and edits[-1][1] == i and edits[-1][0] < i and edits[-1][2]:
                start, _, text = edits.pop()  # “１２３” → “123”: one edit, not three
                edits.append((start, i + 1, text + new[j]))
            else:
                edits.append((i, i + 1, new[j]))
            i, j = i + 1, j + 1
        else:
            return None
    if i < len(old) and old[i:].strip() == "":
        edits.append((i, len(old), ""))
    elif j < len(new) and new[j:].strip() == "":
        edits.append((i, i, new[j:]))
    elif i < len(old) or j < len(new):
        return None
    return edits


def _diff(text: str, base: int, old: str, new: str) -> list[Edit]:
    steps = _align(old, new)
    if steps is None:
        matcher = SequenceMatcher(None, old, new, autojunk=False)
        steps = [(i1, i2, new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    edits = []
    for i1, i2, replacement in steps:
        start, end = base + i1, base + i2
        kind = _classify(text, start, end, replacement)
        if kind is not None:
            edits.append(Edit(start, end, replacement, kind))
    return edits


def markdown_edits(text: str) -> list[Edit]:
    """Typography edits for a Markdown body, in text order."""
    if not _SUSPECT.search(text):
        return []
    lines = text.split("\n")
    suspects = [bool(_SUSPECT.search(line)) for line in lines]
    if not any(suspects):
        return []
    # Lint only what can matter; blank lines keep every line number (and column) as it was.
    reduced = "\n".join(
        line if suspect or _STRUCTURE.match(line) else "" for line, suspect in zip(lines, suspects, strict=True)
    )
    lint = autocorrect_py.lint_for(reduced, "md")
    if not lint.lines:
        return []
    starts = TextMap(text).starts
    edits: list[Edit] = []
    for result in lint.lines:
        if result.line - 1 >= len(starts):
            continue
        base = starts[result.line - 1] + result.col - 1
        if text[base : base + len(result.old)] != result.old:
            # Defensive: find the fragment on its line if the column ever disagrees.
            line_end = text.find("\n", starts[result.line - 1])
            found = text.find(result.old, starts[result.line - 1], None if line_end == -1 else line_end + len(result.old))
            if found == -1:
                continue
            base = found
        edits.extend(_diff(text, base, result.old, result.new))
    if edits and "=" in text:
        protected = [m.span(1) for m in _HTML_ATTRIBUTE.finditer(text)]
        if protected:
            edits = [e for e in edits if not any(a <= e.start < b for a, b in protected)]
    edits.sort(key=lambda e: e.start)
    return edits


def plain_edits(text: str) -> list[Edit]:
    if not _SUSPECT.search(text):
        return []
    new = autocorrect_py.format(text)
    return [] if new == text else _diff(text, 0, text, new)


def apply_edits(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def fixed_markdown(text: str) -> str:
    return apply_edits(text, markdown_edits(text))


def _line_findings(item: ContentItem, edits: list[Edit], text: str, positions: TextMap,
                   manual: bool) -> list[Finding]:
    """One finding per line and kind, at the first edit, suggesting the corrected line."""
    groups: dict[tuple[int, str], list[Edit]] = {}
    for edit in edits:
        line, _ = positions.position(edit.start)
        groups.setdefault((line, edit.kind), []).append(edit)
    findings = []
    line_edits: dict[int, list[Edit]] = {}
    for (line, _kind), group in groups.items():
        line_edits.setdefault(line, []).extend(group)
    for (line, kind), group in sorted(groups.items()):
        code, message = KINDS[kind]
        if len(group) > 1:
            message += f"（{len(group)} 处）"
        message += "（请手动修改）" if manual else "（--fix 可自动修正）"
        row = line - positions.first_line
        line_start = positions.starts[row]
        line_end = text.find("\n", line_start)
        line_text = text[line_start : None if line_end == -1 else line_end]
        shifted = [Edit(e.start - line_start, e.end - line_start, e.replacement, e.kind) for e in line_edits[line]]
        _, col = positions.position(group[0].start)
        findings.append(finding(item, code, message, line, col, Severity.WARNING, apply_edits(line_text, shifted)))
    return findings


def check_typography(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    edits = markdown_edits(item.body)
    if edits:
        findings.extend(_line_findings(item, edits, item.body, TextMap(item.body, item.body_line), manual=False))
    lines: list[str] | None = None
    for key in (("title",), ("summary",)):
        value = getattr(item.meta, key[0])
        if not value:
            continue
        edits = plain_edits(value)
        if not edits:
            continue
        lines = lines if lines is not None else file_lines(item)
        line, col = locate_in_field(item, key, value[:12], lines)
        findings.extend(_line_findings(item, edits, value, TextMap(value, line or 1, col or 1), manual=True))
    return findings
