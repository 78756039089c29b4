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

_QUICK = re.compile(
    rf"[{HAN}][ \t]+[0-9]|[0-9%][ \t]+[{HAN}]|[,;:!?()]|[0-9],[0-9]{{3}}"
    rf"|[ \t][{_CLOSING}]|[{_OPENING}{_CLOSING}][ \t]"
)
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
_NUMBER_SPACE_AFTER_HAN = re.compile(rf"(?<=[{HAN}])[ \t]+(?=[0-9])")
_NUMBER_SPACE_BEFORE_HAN = re.compile(rf"(?<=[0-9%])[ \t]+(?=[{HAN}])")
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,]|\.\d)")
_HALF = re.compile(r"[ \t]*([,;:!?])[ \t]*")
# Only between words and marks: Markdown's own syntax (`| ` in tables, `- ` in lists) keeps its space.
_WORDISH = rf"{HAN}{_OPENING}{_CLOSING}A-Za-z0-9%"
_SPACE_BEFORE_CLOSING = re.compile(rf"(?<=[{_WORDISH}])[ \t]+(?=[{_CLOSING}])")
_SPACE_AFTER_PUNCT = re.compile(rf"(?<=[{_OPENING}{_CLOSING}])[ \t]+(?=[{_WORDISH}])")
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
    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans

    def free(self, start: int, end: int) -> bool:
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
    for index, char in enumerate(text):
        if char == "\n":
            stack.clear()
        elif char == "(" and guard.free(index, index + 1):
            stack.append(index)
        elif char == ")" and stack and guard.free(index, index + 1):
            opening = stack.pop()
            inner = text[opening + 1 : index]
            if not (_CJK_CONTEXT.search(inner) or _chinese_side(text, opening - 1, -1)
                    or _chinese_side(text, index + 1, 1)):
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


def style_edits(text: str, style: TypographyStyle, *, markdown: bool = True) -> list[StyleEdit]:
    """House-style edits for a body (Markdown) or a plain front-matter value, in text order."""
    if not _QUICK.search(text):
        return []
    guard = _Guard(protected_spans(text, markdown))
    edits: list[StyleEdit] = []
    if not style.space_between_chinese_and_numbers:
        for pattern in (_NUMBER_SPACE_AFTER_HAN, _NUMBER_SPACE_BEFORE_HAN):
            for m in pattern.finditer(text):
                if guard.free(m.start() - 1, m.end() + 1):
                    edits.append(StyleEdit(m.start(), m.end(), "", "number-spacing"))
    if not style.thousands_separators:
        for m in _THOUSANDS.finditer(text):
            line_start, line_end = _line_bounds(text, m.start())
            line = text[line_start:line_end]
            if markdown and _is_table_row(line):
                continue
            if _CJK_CONTEXT.search(line) and guard.free(m.start(), m.end()):
                edits.append(StyleEdit(m.start(), m.end(), m.group(0).replace(",", ""), "thousands"))
    if style.fullwidth_punctuation:
        for m in _HALF.finditer(text):
            mark = m.start(1)
            if _digit(text, mark - 1) and _digit(text, mark + 1):
                continue  # 10:30, 3,600, 1,2
            if not (_chinese_side(text, mark - 1, -1) or _chinese_side(text, mark + 1, 1)):
                continue
            if text[mark] == ":" and text[mark + 1 : mark + 3] == "//":
                continue
            if not guard.free(m.start(), m.end()):
                continue
            # Spaces around a full-width mark go with it, but never a line's indentation.
            start = m.start()
            if start > 0 and text[start - 1] == "\n" or start == 0:
                start = m.start(1)
            end = m.end() if m.end() < len(text) and text[m.end()] != "\n" else m.start(1) + 1
            edits.append(StyleEdit(start, end, _TO_FULL[text[mark]], "punctuation"))
        if style.fullwidth_brackets:
            edits.extend(_brackets(text, guard))
    for pattern in (_SPACE_BEFORE_CLOSING, _SPACE_AFTER_PUNCT):
        for m in pattern.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if not text[line_start : m.start()].strip():
                continue  # indentation
            if guard.free(m.start() - 1, m.end() + 1):
                edits.append(StyleEdit(m.start(), m.end(), "", "extra-space"))
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
