"""The texts of an item that readers see, with a way back from an offset to the file's line:column.

Every text check (secret markings, placeholders, script) scans the same texts: the front-matter
fields that reach readers (title, summary, tags, per-channel title/digest/text/author) and the
Markdown body (captions and image alt texts are part of it). Keeping the list in one place is
what makes "in titles, bodies, captions and alt texts" true for every check at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from publisher.checks.positions import TextMap, field_texts, file_lines, locate_in_field
from publisher.content.model import ContentItem

# Sentence ends for quoting a sentence back to the editor.
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_DECORATION = re.compile(r"^[\s#>*_\-+|]+|[\s*_|]+$")


@dataclass
class ReaderText:
    key: tuple[str | int, ...] | None  # front-matter key path; None for the body
    text: str
    channel: str | None = None  # set for per-channel texts (targets.<channel>.*)


@dataclass
class Locator:
    """Turns (text, offset) back into file positions; reads the file lines only when needed."""

    item: ContentItem
    _lines: list[str] | None = None
    _body: TextMap | None = field(default=None, repr=False)

    def position(self, text: ReaderText, offset: int, needle: str) -> tuple[int | None, int | None]:
        if text.key is None:
            if self._body is None:
                self._body = TextMap(self.item.body, self.item.body_line)
            return self._body.position(offset)
        if self._lines is None:
            self._lines = file_lines(self.item)
        return locate_in_field(self.item, text.key, needle, self._lines)


def reader_texts(item: ContentItem) -> list[ReaderText]:
    texts = []
    for key, value in field_texts(item):
        channel = str(key[1]) if key[0] == "targets" else None
        texts.append(ReaderText(key, value, channel))
    if item.body:
        texts.append(ReaderText(None, item.body))
    return texts


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end], without Markdown decoration, for quoting."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    match = _SENTENCE_END.search(text, end)
    right = match.end() if match and match.group() not in "\n" else (match.start() if match else len(text))
    sentence = _DECORATION.sub("", text[left:right].strip())
    return sentence if len(sentence) <= 120 else sentence[:118] + "……"
