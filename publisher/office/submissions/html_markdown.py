"""The HTML mammoth makes from a Word file, as the item format's Markdown.

Mammoth's output is a small, regular subset: h1–h6, p, strong/em/u/s, a, img, br, ul/ol/li
(nested), table/tr/td/th (with p inside cells), sup/a footnote references and one closing
`<ol>` of footnotes. That is all this converter knows; anything else keeps only its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "del": "~~"}
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


@dataclass
class _Block:
    kind: str  # "p", "h1".."h6", "li", "cell"
    text: list[str] = field(default_factory=list)


@dataclass
class Converted:
    title: str | None  # the text of the first heading, when there is one
    body: str
    footnotes: int


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.block: _Block | None = None
        self.lists: list[tuple[str, int]] = []  # (ul|ol, counter)
        self.table: list[list[str]] | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.link: str | None = None
        self.in_footnote_ref = False
        self.footnote_id: str | None = None  # inside the footnotes list
        self.footnotes: dict[str, list[str]] = {}
        self.title: str | None = None

    # -- text sinks -----------------------------------------------------------------------
    def _sink(self) -> list[str]:
        if self.footnote_id is not None:
            return self.footnotes.setdefault(self.footnote_id, [])
        if self.cell is not None:
            return self.cell
        if self.block is None:
            self.block = _Block("p")
        return self.block.text

    def _flush(self) -> None:
        if self.block is None:
            return
        text = "".join(self.block.text).strip()
        kind, self.block = self.block.kind, None
        if not text:
            return
        if kind.startswith("h"):
            if self.title is None:
                self.title = re.sub(r"[*~\\]", "", text)
                return  # the first heading is the title, not part of the body
            self.out.append("#" * max(2, int(kind[1])) + " " + text)
        elif kind == "li":
            depth = len(self.lists) - 1
            style, count = self.lists[-1]
            marker = f"{count}." if style == "ol" else "-"
            self.out.append("  " * depth * 2 + f"{marker} {text}")
        else:
            self.out.append(text)

    # -- tags -----------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if self.footnote_id is None and tag == "li" and (attrs.get("id") or "").startswith("footnote-"):
            self._flush()
            self.footnote_id = attrs["id"].removeprefix("footnote-")
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p") and self.cell is None and self.footnote_id is None:
            self._flush()
            self.block = _Block("li" if self.lists and tag == "p" and self.block is None and self._in_item else tag)
        elif tag in ("ul", "ol") and self.footnote_id is None:
            self._flush()
            self.lists.append((tag, 0))
            self._in_item = False
        elif tag == "li" and self.footnote_id is None:
            self._flush()
            style, count = self.lists[-1] if self.lists else ("ul", 0)
            if self.lists:
                self.lists[-1] = (style, count + 1)
            self.block = _Block("li")
            self._in_item = True
        elif tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br":
            self._sink().append("<br>" if self.cell is not None else "  \n")
        elif tag in _INLINE:
            self._sink().append(_INLINE[tag])
        elif tag == "a":
            href = attrs.get("href") or ""
            if href.startswith("#footnote-") and not href.startswith("#footnote-ref"):
                self.in_footnote_ref = True
                self._sink().append(f"[^{href.removeprefix('#footnote-')}]")
            elif href.startswith("#footnote-ref"):
                self.in_footnote_ref = True  # the back link "↑" in a footnote: dropped
            elif href.startswith(("http://", "https://", "mailto:")):
                self.link = href
                self._sink().append("[")
        elif tag == "img":
            src = attrs.get("src") or ""
            if src:
                alt = (attrs.get("alt") or "").strip() or "图片"
                self._sink().append(f"![{_escape(alt)}]({src})")

    _in_item = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.footnote_id is not None:
            self.footnote_id = None
            return
        if self.footnote_id is not None:
            if tag == "a":
                self.in_footnote_ref = False
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p") and self.cell is None:
            if not (self.block and self.block.kind == "li"):
                self._flush()
        elif tag == "li":
            self._flush()
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self.out.append("")
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()).replace("|", "\\|"))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self._table_out(self.table)
            self.table = None
        elif tag in _INLINE:
            self._sink().append(_INLINE[tag])
        elif tag == "a":
            if self.in_footnote_ref:
                self.in_footnote_ref = False
            elif self.link:
                self._sink().append(f"]({self.link})")
                self.link = None

    def handle_data(self, data: str) -> None:
        if self.in_footnote_ref:
            return  # "[1]" / "↑": the Markdown footnote marker replaces it
        if self.block is None and self.cell is None and self.footnote_id is None and not data.strip():
            return
        self._sink().append(_escape(data))

    def _table_out(self, rows: list[list[str]]) -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        self.out.append("| " + " | ".join(rows[0]) + " |")
        self.out.append("|" + "|".join("---" for _ in range(width)) + "|")
        self.out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
        self.out.append("")

    def result(self) -> Converted:
        self._flush()
        lines: list[str] = []
        for line in self.out:  # one blank line between blocks; list items and table rows stay together
            tight = line.startswith(("|", "-", " ")) or re.match(r"\d+\. ", line)
            if lines and lines[-1] != "" and not (tight and (lines[-1].startswith(("|", "-", " "))
                                                          or re.match(r"\d+\. ", lines[-1]))):  # fmt: skip
                lines.append("")
            lines.append(line)
        notes = [f"[^{n}]: " + " ".join("".join(parts).split()) for n, parts in self.footnotes.items()]
        body = "\n".join(lines).strip()
        if notes:
            body += "\n\n" + "\n".join(notes)
        return Converted(self.title, re.sub(r"\n{3,}", "\n\n", body) + "\n", len(notes))


def html_to_markdown(html: str) -> Converted:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.result()
