"""Chinese typography (autocorrect): half-width punctuation in Chinese text, missing space between
Chinese and Latin words, full-width digits and letters.

autocorrect reports a fragment per line with its corrected form; each fragment is diffed into
small edits, and every edit is classified. The 公文 house style (house_style.py: no space between
Chinese and numbers, full-width `;` `:` `( )`, no thousands separators in running text) adds its
own edits, and the repo's `[typography]` switches rules off. Code blocks are left alone
(autocorrect's `codeblock` context off) and so are URLs. The check and `--fix` apply the same edit
list, so a fixed body checks clean.

Each finding names the exact characters (“;” → “；”, “9 月 26 日” → “9月26日”) and suggests the
corrected fragment around them, not the whole paragraph; front-matter findings name the field.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

import autocorrect_py

from publisher.checks.context import CheckContext
from publisher.checks.house_style import merge, style_edits
from publisher.checks.positions import TextMap, field_texts, file_lines, finding, locate_in_field
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import TypographyStyle
from publisher.content.model import ContentItem

_CONFIG = json.dumps({
    "rules": {"space-bracket": 0, "space-dash": 0, "space-punctuation": 0, "spellcheck": 0},
    "context": {"codeblock": 0},
})

KINDS = {
    "spacing": ("typography-spacing", "中文与英文之间应加空格"),
    "number-spacing": ("typography-number-spacing", "中文与数字之间不加空格（公文写法，如“2026年11月20日”）"),
    "extra-space": ("typography-extra-space", "全角标点前后不应有空格"),
    "punctuation": ("typography-punctuation", "中文语境中应使用全角标点"),
    "thousands": ("typography-thousands", "中文行文中的数字不用千分位逗号"),
    "fullwidth": ("typography-fullwidth", "数字和英文字母应使用半角字符"),
    "other": ("typography", "排版不规范"),
}
HOUSE_STYLE = TypographyStyle()
_CONTEXT = 8  # characters of context on each side of a suggestion

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
# With spaces wanted between Chinese and numbers, those places are suspects too.
_SUSPECT_NUMBERS = re.compile(_SUSPECT.pattern + rf"|[{_HAN}][0-9]|[0-9%][{_HAN}]")


def _suspect(style: TypographyStyle) -> re.Pattern:
    return _SUSPECT_NUMBERS if style.space_between_chinese_and_numbers else _SUSPECT


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


def _classify(text: str, start: int, end: int, replacement: str, style: TypographyStyle) -> str | None:
    """The kind of one edit, or None for edits house style does not want."""
    old = text[start:end]
    if not old and not replacement.strip():
        left = text[start - 1] if start > 0 else ""
        right = text[start] if start < len(text) else ""
        pair = (bool(_CJK.match(left)), bool(_CJK.match(right)))
        if (pair == (True, False) and _DIGITISH.match(right)) or (pair == (False, True) and _DIGITISH.match(left)):
            # “2026年”, “增长5%”: no space between Chinese and numbers, unless the repo wants one
            return "number-spacing" if style.space_between_chinese_and_numbers else None
        return "spacing" if style.space_between_chinese_and_latin else None
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


def _diff(text: str, base: int, old: str, new: str, style: TypographyStyle) -> list[Edit]:
    steps = _align(old, new)
    if steps is None:
        matcher = SequenceMatcher(None, old, new, autojunk=False)
        steps = [(i1, i2, new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    edits = []
    for i1, i2, replacement in steps:
        start, end = base + i1, base + i2
        kind = _classify(text, start, end, replacement, style)
        if kind is not None:
            edits.append(Edit(start, end, replacement, kind))
    return edits


def markdown_edits(text: str, style: TypographyStyle = HOUSE_STYLE) -> list[Edit]:
    """Typography edits for a Markdown body, in text order (autocorrect's and house style's)."""
    own = [Edit(e.start, e.end, e.replacement, e.kind) for e in style_edits(text, style, markdown=True)]
    return merge(_autocorrect_markdown(text, style) + own)


def _autocorrect_markdown(text: str, style: TypographyStyle) -> list[Edit]:
    suspect = _suspect(style)
    if not suspect.search(text):
        return []
    lines = text.split("\n")
    suspects = [bool(suspect.search(line)) for line in lines]
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
        edits.extend(_diff(text, base, result.old, result.new, style))
    if edits and "=" in text:
        protected = [m.span(1) for m in _HTML_ATTRIBUTE.finditer(text)]
        if protected:
            edits = [e for e in edits if not any(a <= e.start < b for a, b in protected)]
    edits.sort(key=lambda e: e.start)
    return edits


def plain_edits(text: str, style: TypographyStyle = HOUSE_STYLE) -> list[Edit]:
    """Edits for a plain value (title, summary)."""
    edits: list[Edit] = []
    if _suspect(style).search(text):
        new = autocorrect_py.format(text)
        if new != text:
            edits = _diff(text, 0, text, new, style)
    edits += [Edit(e.start, e.end, e.replacement, e.kind) for e in style_edits(text, style, markdown=False)]
    return merge(edits)


def apply_edits(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def fixed_markdown(text: str, style: TypographyStyle = HOUSE_STYLE) -> str:
    return apply_edits(text, markdown_edits(text, style))


# “9 月 26 日”, “通过 APP 办理”: one number, one Latin word or one character between two edits.
_JOINS = re.compile(rf"[0-9.,%]+|[A-Za-z0-9]+|[{_HAN}]")
_WORD_CHARS = set("0123456789.,%ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _groups(edits: list[Edit], text: str) -> list[list[Edit]]:
    """Edits of one kind close together on one line make one finding (“9 月 26 日” is one)."""
    groups: list[list[Edit]] = []
    for edit in edits:
        last = groups[-1][-1] if groups else None
        between = text[last.end : edit.start] if last is not None else ""
        spacing = edit.kind in ("number-spacing", "spacing", "extra-space")
        close = _JOINS.fullmatch(between) if spacing else len(between) <= 4 and "\n" not in between
        if last is not None and last.kind == edit.kind and close:
            groups[-1].append(edit)
        else:
            groups.append([edit])
    return groups


def _widen(text: str, start: int, end: int, line_start: int, line_end: int) -> tuple[int, int]:
    """A removed or added space is shown with the whole number (or Latin word) or one character
    on each side."""
    left = start
    while left > line_start and text[left - 1] in _WORD_CHARS and start - left < 16:
        left -= 1
    if left == start:
        left = max(line_start, start - 1)
    right = end
    while right < line_end and text[right] in _WORD_CHARS and right - end < 16:
        right += 1
    if right == end:
        right = min(line_end, end + 1)
    return left, right


def _shown(fragment: str) -> str:
    return fragment.replace("\t", "⇥")


def _what(group: list[Edit], text: str) -> str:
    """The exact characters and what they become: “;”改为“；”, “9 月 26 日”应写作“9月26日”."""
    if all(text[e.start : e.end].strip() and e.replacement.strip() for e in group):
        pairs = "、".join(f"“{text[e.start:e.end].strip()}”" for e in group)
        new = "、".join(f"“{e.replacement.strip()}”" for e in group)
        return f"{pairs}应改为{new}"
    start, end = group[0].start, group[-1].end
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    start, end = _widen(text, start, end, line_start, line_end)
    shifted = [Edit(e.start - start, e.end - start, e.replacement, e.kind) for e in group]
    old = text[start:end]
    return f"“{_shown(old.strip())}”应写作“{_shown(apply_edits(old, shifted).strip())}”"


def _suggestion(group: list[Edit], edits: list[Edit], text: str) -> str:
    """The corrected fragment around a group (every edit in it applied), with … where cut."""
    line_start = text.rfind("\n", 0, group[0].start) + 1
    line_end = text.find("\n", group[-1].end)
    line_end = len(text) if line_end == -1 else line_end
    start = max(line_start, group[0].start - _CONTEXT)
    end = min(line_end, group[-1].end + _CONTEXT)
    inside = [e for e in edits if e.end > start and e.start < end]
    start = min([start] + [e.start for e in inside])
    end = max([end] + [e.end for e in inside])
    shifted = [Edit(e.start - start, e.end - start, e.replacement, e.kind) for e in inside]
    fragment = apply_edits(text[start:end], shifted).strip()
    return ("…" if start > line_start else "") + fragment + ("…" if end < line_end else "")


def _findings(item: ContentItem, edits: list[Edit], text: str, positions: TextMap,
              field: str | None) -> list[Finding]:
    findings = []
    for group in _groups(edits, text):
        code, description = KINDS[group[0].kind]
        where = "（--fix 可自动修正）" if field is None else f"（在头信息 {field} 中，请手动修改）"
        message = f"{description}：{_what(group, text)}{where}"
        line, col = positions.position(group[0].start)
        findings.append(finding(item, code, message, line, col, Severity.WARNING, _suggestion(group, edits, text)))
    return findings


_FIELD_NAMES = {"title": "标题", "summary": "摘要", "digest": "摘要", "text": "短帖正文", "author": "署名"}


def _field_label(key: tuple) -> str:
    path = ".".join(str(part) for part in key)
    return f"{_FIELD_NAMES.get(str(key[-1]), '')} {path}".strip()


def check_typography(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    style = ctx.matrix.typography
    findings: list[Finding] = []
    edits = markdown_edits(item.body, style)
    if edits:
        findings.extend(_findings(item, edits, item.body, TextMap(item.body, item.body_line), None))
    lines: list[str] | None = None
    # Title, summary and each channel's own title/digest/text: what readers see besides the body.
    for key, value in field_texts(item):
        if key[0] == "tags" or key[-1] == "author":
            continue
        edits = plain_edits(value, style)
        if not edits:
            continue
        lines = lines if lines is not None else file_lines(item)
        line, col = locate_in_field(item, key, value[:12], lines)
        findings.extend(_findings(item, edits, value, TextMap(value, line or 1, col or 1), _field_label(key)))
    return findings
