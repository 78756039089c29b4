"""The themed article in one pass over its tags, with styles learned from css-inline and nh3.

`theme.style_for_wechat` parses the article twice (css-inline inlines the theme, nh3 keeps what
WeChat keeps): about a quarter of a WeChat render. For the markup the renderer itself writes, the
result of both is fixed by each element's own tag and attributes and its ancestors' tags and
classes: a theme whose selectors are only tags, classes and descendant combinators matches nothing
else, and markup whose nesting an HTML parser keeps as written comes out of both passes as it went
in, but for the attributes. So each element's final start tag (which attributes stay, in which
order, and its final `style`) is asked of css-inline and nh3 themselves, once per shape
(`_learn`: a probe of the element inside its bare ancestors), and every other element of that
shape is written from the answer.

`styled` returns None, and the caller takes the two passes, for anything outside that: a theme with
other selectors (pseudo-classes, siblings, attributes, ids, at-rules), markup not in the
renderer's form, tags outside `_TAGS`, or nesting an HTML parser would rebuild (a block inside a
paragraph or inline element, a table part out of place, text where a table would move it, a list
item outside a list, a link in a link, a line break right after `<pre>`).
tests/channels/test_wechat_style_map.py holds both ways to the same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

# The renderer's markup: lower-case names, every value double-quoted and escaped by html.escape,
# `<` never bare in text. (The sanitiser's own output has the same form.)
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?: [a-z][a-z0-9-]*="[^"<]*")*)>')
_ATTR = re.compile(r' ([a-z][a-z0-9-]*)="([^"<]*)"')
# Every '&' starts one of the references html.escape writes, so decoding is never ambiguous.
_LOOSE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|#x27);)")

_BLOCKS = frozenset({"section", "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li",
                     "pre", "hr", "table", "figure", "figcaption"})
_INLINE = frozenset({"a", "em", "strong", "b", "i", "s", "del", "u", "small", "code", "sub", "sup", "span"})
_VOID = frozenset({"img", "br", "hr"})
_BLOCKED_IN = frozenset({"p"}) | _INLINE  # a block start tag would close or escape these
_TABLE_PARTS = {"table": {"thead", "tbody", "tfoot"}, "thead": {"tr"}, "tbody": {"tr"}, "tfoot": {"tr"},
                "tr": {"th", "td"}}
_PARENT_OF = {"thead": ("table",), "tbody": ("table",), "tfoot": ("table",), "tr": ("thead", "tbody", "tfoot"),
              "th": ("tr",), "td": ("tr",), "li": ("ul", "ol")}
_TAGS = _BLOCKS | _INLINE | _VOID | set(_PARENT_OF)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_SPACE = " \t\n\x0c"
_MEMO = 100_000  # remembered start tags and contexts per theme, at most (a few MB)
_SIMPLE_SELECTORS = re.compile(r"[a-zA-Z0-9_.,\s-]*")


def simple_theme(css: str) -> bool:
    """Whether every selector of `css` is tags and classes joined by descendant combinators."""
    text = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    if text.count("{") != text.count("}"):
        return False
    selectors = re.sub(r"\{[^{}]*\}", ",", text)
    return _SIMPLE_SELECTORS.fullmatch(selectors) is not None


def _text(data: str) -> str:
    """Text as html5ever (nh3) writes it."""
    if "&" in data or ">" in data:
        data = html.unescape(data)
        data = data.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    elif "\xa0" not in data:
        return data  # html.escape(quote=False) wrote it: nothing to change
    return data.replace("\xa0", "&nbsp;")


def _attr(value: str) -> str:
    """An attribute value (as html.escape wrote it) as html5ever writes it."""
    if "&" in value:
        value = html.unescape(value).replace("&", "&amp;").replace('"', "&quot;")
    return value.replace("\xa0", "&nbsp;")


class StyleMap:
    """Final start tags by element shape, for one theme; `slow(markup)` is the two passes."""

    def __init__(self, slow: Callable[[str], str], keep: Callable[[str, str, str], str | None]):
        self.slow, self.keep = slow, keep
        self.shapes: dict[tuple, list[tuple[str, str | None]] | None] = {}
        self.probes = 0  # how many shapes were asked of css-inline and nh3 (tests count them)
        # Chains of open elements by id (0: none), and the ids by (parent id, tag, attributes).
        self._chains: list[tuple] = [()]
        self._ids: dict[tuple, int] = {(): 0}
        self._contexts: dict[tuple[int, str, str], int] = {}
        # Final start tags by (context id, tag, attributes as written): most elements repeat exactly.
        self._tags: dict[tuple[int, str, str], str | None] = {}

    def _learn(self, ancestors: tuple, tag: str, attrs: str) -> list[tuple[str, str | None]] | None:
        """(name, fixed value or None for the element's own) for each attribute the element keeps."""
        self.probes += 1
        opening = "".join(f'<{t} class="{c}">' if c is not None else f"<{t}>" for t, c in ancestors)
        closing = "".join(f"</{t}>" for t, _ in reversed(ancestors))
        probe = f"{opening}<{tag}{attrs}>{'' if tag in _VOID else f'</{tag}>'}{closing}"
        starts = [m for m in _TAG.finditer(self.slow(probe)) if not m.group(1)]
        if len(starts) != len(ancestors) + 1 or starts[-1].group(2) != tag:
            return None
        own = dict(_ATTR.findall(attrs))
        template: list[tuple[str, str | None]] = []
        for name, value in _ATTR.findall(starts[-1].group(3)):
            if name == "style":
                template.append((name, value))
            elif name in own and _attr(own[name]) == value:
                template.append((name, None))
            else:
                return None  # nh3 or css-inline changed a value: not a shape this map can copy
        return template

    def _start_tag(self, ancestors: tuple, tag: str, attrs: str) -> str | None:
        pairs = _ATTR.findall(attrs) if attrs else []
        # Style depends on the class and any style already there; whether another attribute stays
        # depends on its name and, for links and images, on its value (`theme._keep_attribute`).
        shape = (ancestors, tag, tuple((n, v if n in ("class", "style") else self.keep(tag, n, html.unescape(v))
                                         is not None) for n, v in pairs))
        template = self.shapes.get(shape, False)
        if template is False:
            template = self.shapes[shape] = self._learn(ancestors, tag, attrs)
        if template is None:
            return None
        if not template:
            return f"<{tag}>"
        own = dict(pairs)
        return f"<{tag}" + "".join(f' {n}="{v if v is not None else _attr(own[n])}"' for n, v in template) + ">"

    def context(self, parent: int, tag: str, attrs: str) -> int:
        """The id of the chain of open elements `parent` + this one (only tags and classes count)."""
        key = (parent, tag, attrs)
        found = self._contexts.get(key)
        if found is None:
            cls = next((v for n, v in _ATTR.findall(attrs) if n == "class"), None) if "class=" in attrs else None
            chain = (*self._chains[parent], (tag, cls))
            found = self._ids.setdefault(chain, len(self._chains))
            if found == len(self._chains):
                self._chains.append(chain)
            if len(self._contexts) < _MEMO:
                self._contexts[key] = found
        return found

    def start_tag(self, context: int, tag: str, attrs: str) -> str | None:
        """The element's final start tag inside the open elements `context`, or None."""
        key = (context, tag, attrs)
        found = self._tags.get(key, False)
        if found is False:
            found = self._start_tag(self._chains[context], tag, attrs)
            if len(self._tags) < _MEMO:
                self._tags[key] = found
        return found

class NotCertain(Exception):
    """The markup is outside what the one pass is certain to write as the two passes would."""


class Styler:
    """The one pass, fed tag by tag: `start`, `end` and `data` (text as html5ever writes it) raise
    NotCertain for markup an HTML parser would rebuild; `result()` is the themed markup."""

    def __init__(self, styles: StyleMap):
        self.styles = styles
        self.out: list[str] = []
        self.stack: list[tuple[str, int]] = []  # open elements: (tag, the context id of the chain up to it)
        self.context = 0
        self.blocked = 0  # open elements inside which a block would be moved (p and inline ones)
        self.links = self.headings = 0
        self.after_pre = False
        self.deepest = 0  # how deep elements nested (theme.too_deep's count)

    def data(self, text: str) -> None:
        stack = self.stack
        if stack and stack[-1][0] in _TABLE_PARTS and text.strip(_HTML_SPACE):
            raise NotCertain  # text in a table outside its cells: the parser moves it before the table
        if self.after_pre:
            if text[0] == "\n":
                raise NotCertain  # the parser drops a newline right after <pre>
            self.after_pre = False
        self.out.append(text)

    def end(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise NotCertain
        self._pop()
        self.out.append(f"</{tag}>")

    def _pop(self) -> None:
        """Close the innermost open element in the bookkeeping (not in the output)."""
        tag, _ = self.stack.pop()
        self.context = self.stack[-1][1] if self.stack else 0
        if tag in _BLOCKED_IN:
            self.blocked -= 1
            self.links -= tag == "a"
        elif tag in _HEADINGS:
            self.headings -= 1
        self.after_pre = False

    def start(self, tag: str, attrs: str) -> None:
        if tag not in _TAGS:
            raise NotCertain
        stack = self.stack
        if stack:
            parent = stack[-1][0]
            if parent in _TABLE_PARTS and tag not in _TABLE_PARTS[parent]:
                raise NotCertain
        else:
            parent = None
        need = _PARENT_OF.get(tag)
        if need is not None and parent not in need:
            raise NotCertain
        if self.blocked and (tag in _BLOCKS or (tag == "a" and self.links)) or (self.headings and tag in _HEADINGS):
            raise NotCertain
        opened = self.styles.start_tag(self.context, tag, attrs)
        if opened is None:
            raise NotCertain
        self.out.append(opened)
        self.after_pre = False
        if tag in _VOID:
            return
        self.context = self.styles.context(self.context, tag, attrs)
        stack.append((tag, self.context))
        self.deepest = max(self.deepest, len(stack))
        if tag in _BLOCKED_IN:
            self.blocked += 1
            self.links += tag == "a"
        elif tag in _HEADINGS:
            self.headings += 1
        else:
            self.after_pre = tag == "pre"

    def retract(self, mark: int) -> None:
        """Take back the element opened when the output was `mark` pieces long, and all after it
        (it must be the innermost open element)."""
        self._pop()
        del self.out[mark:]

    def feed(self, markup: str) -> None:
        """Markup in the renderer's form (html.escape'd), tag by tag."""
        if "\r" in markup or "\x00" in markup or _LOOSE_AMP.search(markup):
            raise NotCertain  # a parser would change these characters
        pos = 0
        for match in _TAG.finditer(markup):
            start = match.start()
            if start > pos:
                data = markup[pos:start]
                if "<" in data:
                    raise NotCertain
                self.data(_text(data) if "&" in data or ">" in data or "\xa0" in data else data)
            pos = match.end()
            closing, tag, attrs = match.groups()
            if closing:
                if attrs:
                    raise NotCertain
                self.end(tag)
            else:
                self.start(tag, attrs)
        if pos < len(markup):
            data = markup[pos:]
            if "<" in data:
                raise NotCertain
            self.data(_text(data))

    def result(self) -> str:
        if self.stack:
            raise NotCertain
        return "".join(self.out)


def styled(markup: str, styles: StyleMap) -> str | None:
    """`markup` themed and cleaned as the two passes would, or None when it is not certain to be."""
    styler = Styler(styles)
    try:
        styler.feed(markup)
        return styler.result()
    except NotCertain:
        return None
