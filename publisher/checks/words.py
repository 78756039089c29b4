"""Secret markers, sensitive words and preferred wordings (publisher.toml `[words]`).

All words of all three lists go into one Aho–Corasick automaton, built once per matrix, so an
item is scanned once however long the lists are. The body and the front-matter texts readers see
(title, summary, tags, per-channel titles/digests/texts) are scanned; positions are file lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick

from publisher.checks.positions import (
    TextMap,
    field_texts,
    file_lines,
    finding,
    locate_in_field,
)
from publisher.checks.secrets import MARKINGS
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import WordLists
from publisher.content.model import ContentItem

if TYPE_CHECKING:
    from publisher.checks.context import CheckContext


@dataclass(frozen=True, slots=True)
class WordRule:
    kind: str  # "secret" | "sensitive" | "preferred"
    word: str
    severity: Severity
    replacement: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class WordHit:
    start: int
    rule: WordRule


class WordMatcher:
    """Every configured word in one automaton; `scan(text)` yields the hits in text order."""

    def __init__(self, words: WordLists):
        rules: dict[str, list[WordRule]] = {}
        for marker in words.secret_markers:
            rules.setdefault(marker, []).append(WordRule("secret", marker, Severity.ERROR))
        for entry in words.sensitive:
            rules.setdefault(entry.word, []).append(
                WordRule("sensitive", entry.word, Severity(entry.severity), note=entry.note)
            )
        for entry in words.preferred:
            rules.setdefault(entry.word, []).append(
                WordRule("preferred", entry.word, Severity.WARNING, replacement=entry.use)
            )
        self.automaton: ahocorasick.Automaton | None = None
        if rules:
            self.automaton = ahocorasick.Automaton()
            for word, word_rules in rules.items():
                self.automaton.add_word(word, tuple(word_rules))
            self.automaton.make_automaton()

    def scan(self, text: str) -> list[WordHit]:
        if self.automaton is None or not text:
            return []
        hits = []
        markings: list[tuple[int, int]] | None = None
        for end, word_rules in self.automaton.iter(text):
            for rule in word_rules:
                start = end - len(rule.word) + 1
                if rule.kind == "preferred" and _inside_replacement(text, start, rule):
                    continue
                if rule.kind == "secret":
                    # A configured marker inside a built-in marking is reported once, by secrets.py.
                    if markings is None:
                        markings = [m.span() for m in MARKINGS.finditer(text)]
                    if any(a <= start and end < b for a, b in markings):
                        continue
                hits.append(WordHit(start, rule))
        hits.sort(key=lambda hit: hit.start)
        return hits


def _inside_replacement(text: str, start: int, rule: WordRule) -> bool:
    """`新冠` → `新冠肺炎`: the preferred form contains the flagged one; do not flag it there."""
    use = rule.replacement or ""
    offset = use.find(rule.word)
    while offset != -1:
        if start - offset >= 0 and text.startswith(use, start - offset):
            return True
        offset = use.find(rule.word, offset + 1)
    return False


def describe(rule: WordRule) -> tuple[str, str]:
    if rule.kind == "secret":
        return "secret-marker", f"发现涉密标识“{rule.word}”：涉密或内部材料不得公开发布"
    if rule.kind == "sensitive":
        extra = f"（{rule.note}）" if rule.note else ""
        return "sensitive-word", f"发现敏感词“{rule.word}”{extra}，请核实或修改"
    return "preferred-wording", f"“{rule.word}”为不规范表述，建议改为“{rule.replacement}”"


def check_words(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    if ctx.words is None:  # built once per context, on first use
        ctx.words = WordMatcher(ctx.matrix.words)
    matcher: WordMatcher = ctx.words
    if matcher.automaton is None:
        return []
    findings: list[Finding] = []
    lines: list[str] | None = None
    for key, text in field_texts(item):
        for hit in matcher.scan(text):
            if lines is None:
                lines = file_lines(item)
            line, col = locate_in_field(item, key, hit.rule.word, lines)
            code, message = describe(hit.rule)
            findings.append(finding(item, code, message, line, col, hit.rule.severity, hit.rule.replacement))
    hits = matcher.scan(item.body)
    if hits:
        positions = TextMap(item.body, item.body_line)
        for hit in hits:
            line, col = positions.position(hit.start)
            code, message = describe(hit.rule)
            findings.append(finding(item, code, message, line, col, hit.rule.severity, hit.rule.replacement))
    return findings
