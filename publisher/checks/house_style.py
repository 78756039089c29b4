"""公文 house style on top of autocorrect (GB/T 15834 punctuation, GB/T 15835 numbers).

autocorrect knows general Chinese typography; government writing asks for a little more, and
these rules add it as edits of the same shape (so the check and `--fix` stay one edit list):

- `number-spacing`: no space between Chinese and numbers — “9 月 26 日” → “9月26日”,
  “3600 余项” → “3600余项”, “增长 5%” → “增长5%”.
- `punctuation`: half-width `, ; : ! ? ( )` in Chinese context become full-width (autocorrect
  leaves `;` and brackets alone in many places). Digits on both sides (“10:30”, “3,600”) are not
  Chinese context. A bracket pair turns full-width when it touches Chinese or holds Chinese.
- `thousands`: no thousands separators in running Chinese text — “3,600余项” → “3600余项”;
  table rows keep them (columns of figures read better with them).
- `extra-space`: no space inside or around full-width punctuation (“增长 5% 。”).

Each rule can be switched per repo (`[typography]` in publisher.toml, `TypographyStyle`).
Code (fenced and inline), link and image targets, URLs and HTML tags are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.content.matrix import TypographyStyle

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Full-width punctuation that closes or separates (no space before it) and that opens.
_CLOSING = "，。、；：？！）」』”’》〉】…"
_OPENING = "（「『“‘《〈【"
_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PROTECTED = re.compile(
    r"(`+)[^`\n].*?\1"  # inline code
    r"|\]\([^)\n]*\)"  # link / image target
    r"|\]\[[^\]\n]*\]"  # reference label
    r"|^ {0,3}\[[^\]\n]+\]:.*$"  # reference definition
    r"|^ {0,3}:{3,}.*$"  # notice block fence (`::: 落款`)
    r"|<[a-zA-Z/!][^>\n]*>"  # HTML tag or autolink
    r"|(?:https?|ftp|mailto):[^\s<>()（）\u3000-\u303f\uff00-\uffef]+"  # bare URL
    r"|www\.[^\s<>()（）\u3000-\u303f\uff00-\uffef]+",
    re.MULTILINE,
)
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,]|\.\d)")
# Only between words and marks: Markdown's own syntax (`| ` in tables, `- ` in lists) keeps its space.
_WORDISH = rf"{HAN}{_OPENING}{_CLOSING}A-Za-z0-9%"
_WORDISH_CHAR = re.compile(rf"[{_WORDISH}]")
_OPENING_AND_CLOSING = _OPENING + _CLOSING

_CJK_CONTEXT = re.compile(rf"[{HAN}{_OPENING}{_CLOSING}]")


@dataclass(frozen=True, slots=True)
class StyleEdit:
    start: int
    end: int
    replacement: str
    kind: str


def protected_spans(text: str, markdown: bool) -> list[tuple[int, int]]:
    """Spans no rule may touch: fenced code blocks, inline code, link targets, HTML, URLs."""
    spans: list[tuple[int, int]] = []
    if markdown:
        pos, fence, start = 0, None, 0
        for line in text.split("\n"):
            match = _FENCE.match(line)
            if fence is None and match:
                fence, start = match.group(1), pos
            elif fence is not None and match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                spans.append((start, pos + len(line)))
                fence = None
            pos += len(line) + 1
        if fence is not None:
            spans.append((start, len(text)))
    spans.extend(m.span() for m in _PROTECTED.finditer(text))
    spans.sort()
    return spans


class _Guard:
    """Protected spans, found only when a rule has a candidate (most bodies have none)."""

    def __init__(self, text: str, markdown: bool):
        self.text, self.markdown = text, markdown
        self.spans: list[tuple[int, int]] | None = None

    def free(self, start: int, end: int) -> bool:
        if self.spans is None:
            self.spans = protected_spans(self.text, self.markdown)
        end = max(end, start + 1)
        return not any(a < end and start < b for a, b in self.spans)


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end == -1 else end


def _is_table_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") or stripped.count("|") >= 2


def _chinese_side(text: str, index: int, step: int) -> bool:
    """Whether the nearest non-space character in direction `step` is Chinese (or CJK punctuation)."""
    i = index
    while 0 <= i < len(text) and text[i] in " \t":
        i += step
    return 0 <= i < len(text) and bool(_CJK_CONTEXT.match(text[i]))


def _digit(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isdigit() and text[index].isascii()


def _brackets(text: str, guard: _Guard) -> list[StyleEdit]:
    """Half-width bracket pairs on one line that touch or hold Chinese become full-width."""
    edits: list[StyleEdit] = []
    stack: list[int] = []
    line_end = -1
    for index in sorted(_positions(text, "()")):
        if index > line_end:  # brackets pair up within one line
            stack.clear()
            line_end = text.find("\n", index)
            line_end = len(text) if line_end == -1 else line_end
        if text[index] == "(":
            stack.append(index)
        elif stack:
            opening = stack.pop()
            inner = text[opening + 1 : index]
            if not (_CJK_CONTEXT.search(inner) or _chinese_side(text, opening - 1, -1)
                    or _chinese_side(text, index + 1, 1)):
                continue
            if not (guard.free(opening, opening + 1) and guard.free(index, index + 1)):
                continue
            # The space outside a full-width bracket goes too (“数据 (试行)” → “数据（试行）”).
            left = opening
            while left > 0 and text[left - 1] in " \t" and _chinese_side(text, left - 1, -1):
                left -= 1
            right = index + 1
            while right < len(text) and text[right] in " \t" and _chinese_side(text, right, 1):
                right += 1
            edits.append(StyleEdit(left, opening + 1, "（", "punctuation"))
            edits.append(StyleEdit(index, right, "）", "punctuation"))
    return edits


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _positions(text: str, chars: str):
    """Offsets of `chars` in text, found by `str.find` (C speed; a regex scan of a long Chinese
    body costs several times more)."""
    for char in chars:
        index = text.find(char)
        while index != -1:
            yield index
            index = text.find(char, index + 1)


def _space_runs(text: str):
    index = -1
    for position in sorted(_positions(text, " \t")):
        if position < index:
            continue
        index = position
        while index < len(text) and text[index] in " \t":
            index += 1
        yield position, index


def _space_edits(text: str, style: TypographyStyle, guard: _Guard) -> list[StyleEdit]:
    """One pass over the runs of spaces: between Chinese and a number, or around full-width marks."""
    edits: list[StyleEdit] = []
    for start, end in _space_runs(text):
        if start == 0 or text[start - 1] == "\n" or end == len(text) or text[end] == "\n":
            continue  # indentation and trailing spaces are Markdown's business
        before, after = text[start - 1], text[end]
        if not style.space_between_chinese_and_numbers and (
            (_is_han(before) and "0" <= after <= "9") or (("0" <= before <= "9" or before == "%") and _is_han(after))
        ):
            kind = "number-spacing"
        elif (after in _CLOSING and _WORDISH_CHAR.match(before)) or (
            before in _OPENING_AND_CLOSING and _WORDISH_CHAR.match(after)
        ):
            kind = "extra-space"
        else:
            continue
        if guard.free(start - 1, end + 1):
            edits.append(StyleEdit(start, end, "", kind))
    return edits


def _punctuation_edits(text: str, guard: _Guard) -> list[StyleEdit]:
    edits: list[StyleEdit] = []
    for mark in sorted(_positions(text, ",;:!?")):
        if _digit(text, mark - 1) and _digit(text, mark + 1):
            continue  # 10:30, 3,600, 1,2
        if not (_chinese_side(text, mark - 1, -1) or _chinese_side(text, mark + 1, 1)):
            continue
        if text[mark] == ":" and text[mark + 1 : mark + 3] == "//":
            continue
        # Spaces around a full-width mark go with it, but never a line's indentation.
        start = mark
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        if start == 0 or text[start - 1] == "\n":
            start = mark
        end = mark + 1
        while end < len(text) and text[end] in " \t":
            end += 1
        if end == len(text) or text[end] == "\n":
            end = mark + 1
        if guard.free(start, end):
            edits.append(StyleEdit(start, end, _TO_FULL[text[mark]], "punctuation"))
    return edits


def _thousands_edits(text: str, markdown: bool, guard: _Guard) -> list[StyleEdit]:
    """“3,600” in running Chinese text: found from its commas, checked as a whole number."""
    edits: list[StyleEdit] = []
    done = -1
    for comma in _positions(text, ","):
        if comma < done or not (_digit(text, comma - 1) and _digit(text, comma + 1)):
            continue
        start = comma
        while start > 0 and (text[start - 1].isdigit() or text[start - 1] in ",."):
            start -= 1
        end = comma
        while end < len(text) and (text[end].isdigit() or text[end] in ",."):
            end += 1
        done = end
        match = _THOUSANDS.search(text, start, end)
        if match is None or match.span() != (start, end):
            continue
        line_start, line_end = _line_bounds(text, start)
        line = text[line_start:line_end]
        if markdown and _is_table_row(line):
            continue
        if _CJK_CONTEXT.search(line) and guard.free(start, end):
            edits.append(StyleEdit(start, end, match.group(0).replace(",", ""), "thousands"))
    return edits


def style_edits(text: str, style: TypographyStyle, *, markdown: bool = True) -> list[StyleEdit]:
    """House-style edits for a body (Markdown) or a plain front-matter value, in text order.

    Each rule looks only where its rare character is (a space, a half-width mark, a comma
    between digits, a bracket): most of a Chinese body is passed over by `str` searches in C."""
    guard = _Guard(text, markdown)
    edits: list[StyleEdit] = []
    if " " in text or "\t" in text:
        edits += _space_edits(text, style, guard)
    if not style.thousands_separators and "," in text:
        edits += _thousands_edits(text, markdown, guard)
    if style.fullwidth_punctuation:
        if any(mark in text for mark in ",;:!?"):
            edits += _punctuation_edits(text, guard)
        if style.fullwidth_brackets and "(" in text:
            edits.extend(_brackets(text, guard))
    return merge(edits)


def merge(edits: list) -> list:
    """Edits in text order without overlaps (at one place the longest wins: it takes the spaces
    around a mark with it, so one pass leaves nothing for a second)."""
    result = []
    last_end = -1
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if edit.start < last_end or (result and edit.start == result[-1].start == edit.end == result[-1].end):
            continue
        result.append(edit)
        last_end = max(last_end, edit.end)
    return result
