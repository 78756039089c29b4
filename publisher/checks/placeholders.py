"""Template placeholders left in the text (`XX`, `ＸＸ`, `××`, `○○`, `20xx`, `x月x日`, `【此处…】`,
`（待补充）`, `TODO`): the national inspection counts them as 严重表述错误, a single-item veto.

The rules are regular expressions from publisher.toml `[placeholders]` (`patterns` replaces the
built-in list in publisher/content/matrix.py, `extra` adds to it, `allow` names words that are
not placeholders). Overlapping matches of several rules are one finding naming the whole text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.checks.readertext import Locator, reader_texts
from publisher.checks.start_chars import with_start_class
from publisher.content.findings import Finding
from publisher.content.matrix import PlaceholderRules
from publisher.content.model import ContentItem

_DATE_UNITS = "年月日号届条期次"


@dataclass(frozen=True)
class PlaceholderMatcher:
    pattern: re.Pattern | None
    allow: tuple[str, ...]

    @classmethod
    def build(cls, rules: PlaceholderRules) -> PlaceholderMatcher:
        parts = [*rules.patterns, *rules.extra]
        # Led by the characters a placeholder can start with: the same matches, about 10× faster
        # to search than the bare alternation (publisher.checks.start_chars).
        pattern = with_start_class("|".join(f"(?:{p})" for p in parts)) if parts else None
        return cls(pattern, tuple(a for a in rules.allow if a))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Merged (start, end) of every placeholder in `text`, allowed words left out."""
        if self.pattern is None or not text:
            return []
        allowed = [(m.start(), m.end()) for word in self.allow for m in re.finditer(re.escape(word), text)]
        spans: list[tuple[int, int]] = []
        position = 0
        while position <= len(text):
            match = self.pattern.search(text, position)
            if match is None:
                break
            start, end = match.span()
            position = end if end > start else end + 1
            if end == start or any(a <= start and end <= b for a, b in allowed):
                continue
            while end < len(text) and text[end] in _DATE_UNITS:  # name “x月x日” whole, not “x”
                end += 1
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        return spans


def check_placeholders(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    matcher = ctx.placeholders
    if matcher is None:
        matcher = ctx.placeholders = PlaceholderMatcher.build(ctx.matrix.placeholders)
    findings: list[Finding] = []
    locator = Locator(item)
    for text in reader_texts(item):
        for start, end in matcher.spans(text.text):
            shown = text.text[start:end]
            line, col = locator.position(text, start, shown)
            findings.append(finding(
                item, "placeholder",
                f"发现未替换的占位符“{shown}”：模板占位符属于严重表述错误，请填写实际内容后再发布",
                line, col,
            ))
    return findings
