"""Script (字形): Traditional characters in the text of an account written in Simplified Chinese.

Each account has a `script` in publisher.toml (default 简体). When an item goes to at least one
Simplified account, its common texts (title, summary, tags, body with captions and alt texts)
are converted with OpenCC's `t2s` (phrase-aware: 乾隆 stays, 乾燥 becomes 干燥); a per-channel
text (`targets.<channel>.*`) is checked when that channel has a Simplified target. Differences
are warnings, one per line, with the converted line as the suggestion; `check --fix` applies
the same conversion (publisher/checks/fix.py). Traditional-script accounts are not checked.
"""

from __future__ import annotations

import threading
from difflib import SequenceMatcher
from functools import cache

import opencc

from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.checks.readertext import Locator, ReaderText, reader_texts
from publisher.content.findings import Finding, Severity
from publisher.content.matrix import Account, Matrix
from publisher.content.model import ContentItem

SIMPLIFIED = "简体"
_lock = threading.Lock()


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    if not text or text.isascii():
        return text
    with _lock:  # one converter per process; its thread safety is not documented
        return _converter().convert(text)


def traditional_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, simplified) for each run of text that OpenCC changes."""
    converted = to_simplified(text)
    if converted == text:
        return []
    if len(converted) == len(text):
        spans: list[tuple[int, int, str]] = []
        for index, (old, new) in enumerate(zip(text, converted, strict=True)):
            if old != new:
                if spans and spans[-1][1] == index:
                    start, _, repl = spans.pop()
                    spans.append((start, index + 1, repl + new))
                else:
                    spans.append((index, index + 1, new))
        return spans
    matcher = SequenceMatcher(None, text, converted, autojunk=False)
    return [(i1, i2, converted[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def simplified_targets(item: ContentItem, matrix: Matrix) -> list[Account]:
    from publisher.content.targets import targets_for

    return [a for a in targets_for(item, matrix) if a.script == SIMPLIFIED]


def texts_to_check(item: ContentItem, matrix: Matrix) -> tuple[list[ReaderText], list[Account]]:
    """The reader texts that must be Simplified, and the Simplified accounts they go to."""
    accounts = simplified_targets(item, matrix)
    if not accounts:
        return [], []
    channels = {a.channel for a in accounts}
    texts = [t for t in reader_texts(item) if t.channel is None or t.channel in channels]
    return texts, accounts


def check_script(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    texts, accounts = texts_to_check(item, ctx.matrix)
    if not texts:
        return []
    names = "、".join(dict.fromkeys(a.name for a in accounts))
    findings: list[Finding] = []
    locator = Locator(item)
    for text in texts:
        spans = traditional_spans(text.text)
        by_line: dict[int | None, list[tuple[int, int, str]]] = {}
        places: dict[int | None, tuple[int | None, int | None, int]] = {}
        for start, end, new in spans:
            old = text.text[start:end]
            line, col = locator.position(text, start, old)
            by_line.setdefault(line, []).append((start, end, new))
            places.setdefault(line, (line, col, start))
        for line, group in by_line.items():
            olds = "、".join(dict.fromkeys(text.text[s:e] for s, e, _ in group))
            news = "、".join(dict.fromkeys(n for _, _, n in group))
            _, col, first = places[line]
            line_start = text.text.rfind("\n", 0, first) + 1
            line_end = text.text.find("\n", first)
            original = text.text[line_start : None if line_end == -1 else line_end]
            findings.append(finding(
                item, "script-traditional",
                f"简体账号（{names}）的稿件中有繁体字“{olds}”，应为“{news}”（--fix 可自动转换）",
                line, col, Severity.WARNING, to_simplified(original),
            ))
    return findings


def simplified_file_text(item: ContentItem, matrix: Matrix) -> str | None:
    """The item file with the checked texts converted to Simplified, or None if nothing changes.

    Only the lines of reader-facing front-matter fields and the body are converted: names in
    `review` and other keys keep their bytes (a sign-off names a person as registered)."""
    texts, _ = texts_to_check(item, matrix)
    if not texts:
        return None
    lines = item.source_bytes.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").split("\n")
    key_lines = sorted({line for line, _ in item.positions.spots.values()})
    chosen: set[int] = set()
    for text in texts:
        if text.key is None:
            chosen.update(range(item.body_line, len(lines) + 1))
            continue
        start = item.line_of(*text.key)
        if start is None:
            continue
        after = [line for line in key_lines if line > start]
        end = after[0] if after else item.body_line - 1
        chosen.update(range(start, max(start + 1, end)))
    changed = False
    for number in sorted(chosen):
        if 1 <= number <= len(lines):
            new = to_simplified(lines[number - 1])
            if new != lines[number - 1]:
                lines[number - 1], changed = new, True
    return "\n".join(lines) if changed else None
