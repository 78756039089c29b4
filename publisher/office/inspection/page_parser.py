"""One pass over a built HTML page: the references it makes and the dates it lists.

The standard library's tolerant `html.parser` is enough: the pages are our own builder's
output, and a page it cannot read fully is still worth checking for what it can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

# (tag, attribute) pairs that make the browser fetch or navigate somewhere.
LINK_ATTRS = {
    ("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("iframe", "src"),
    ("source", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"), ("embed", "src"),
}  # fmt: skip
SRCSET_TAGS = {"img", "source"}
IMAGE_TAGS = {"img", "source"}


@dataclass(frozen=True)
class Reference:
    tag: str
    attr: str
    url: str
    line: int

    @property
    def is_image(self) -> bool:
        return self.tag in IMAGE_TAGS or (self.tag == "video" and self.attr == "poster")


@dataclass
class ParsedPage:
    references: list[Reference] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)  # <time datetime="…"> that parse
    entries: int = 0  # <li> items inside <ul class="entries">
    says_empty: bool = False  # the builder's "本栏目暂无内容" marker (<p class="empty">)

    @property
    def newest(self) -> datetime | None:
        return max(self.times, default=None)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._entries_depth = 0  # >0 while inside <ul class="entries">
        self._ul_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        line = self.getpos()[0]
        for attr, value in values.items():
            if (tag, attr) in LINK_ATTRS and value.strip():
                self.page.references.append(Reference(tag, attr, value.strip(), line))
        if tag in SRCSET_TAGS and values.get("srcset"):
            for candidate in values["srcset"].split(","):
                url = candidate.strip().split(" ")[0]
                if url:
                    self.page.references.append(Reference(tag, "srcset", url, line))
        classes = set(values.get("class", "").split())
        if tag == "time" and values.get("datetime"):
            try:
                moment = datetime.fromisoformat(values["datetime"])
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                self.page.times.append(moment)
        if tag == "ul":
            self._ul_depth += 1
            if "entries" in classes and not self._entries_depth:
                self._entries_depth = self._ul_depth
        elif tag == "li" and self._entries_depth and self._ul_depth == self._entries_depth:
            self.page.entries += 1
        elif tag == "p" and "empty" in classes:
            self.page.says_empty = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            if self._ul_depth == self._entries_depth:
                self._entries_depth = 0
            self._ul_depth = max(0, self._ul_depth - 1)


def parse_page(path: Path) -> ParsedPage:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    collector.close()
    return collector.page
