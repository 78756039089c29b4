"""The compiled Markdown engine (markdown-it-pyrs: markdown-it's rules in Rust), for the bodies it
renders exactly as the reference engine (markdown-it-py) does. Each function returns None for a
body it does not take; publisher.render.markdown then uses the reference engine.

Not taken, and why:
- notice blocks (`:::` fences): markdown-it-pyrs has no container rule;
- a backtick after `[`, and `^[` (inline footnotes): markdown-it-pyrs 0.4 panics on them (an index
  error in its inline scanner, found by fuzzing short strings of Markdown punctuation);
- anything else it panics on (caught: the reference engine renders that body instead).
Bodies of news items rarely hold any of these, so nearly all take the fast path.
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it_pyrs import MarkdownIt, Node

# Blocks whose children are inline content: what markdown-it-py calls an "inline" token.
_INLINE_BLOCKS = {"paragraph", "heading", "lheading", "tcell"}
_TEXT = {"text", "text_special"}
# Every other node is inline; a tight list's item holds inline nodes directly (markdown-it-py
# keeps a hidden paragraph there).
_BLOCKS = _INLINE_BLOCKS | {"root", "blockquote", "bullet_list", "ordered_list", "list_item", "code_block",
                            "fence", "html_block", "hr", "table", "thead", "tbody", "trow",
                            "footnote_container", "footnote_def"}


_FOOTNOTE_LABEL = re.compile(r"\[\^([^\]]*)\]")
# A line starting with 16 or more characters of block structure (indentation, quote and list
# markers): about 8 nested lists, where the reference engine's nesting limit comes in sight.
_DEEP_LINE = re.compile(r"^[ \t>*+\-\d.)]{16}", re.MULTILINE)
_PIPE_THEN_BARE_RULE = re.compile(r"^[^\n]*\|[^\n]*\n[ \t]*:?-+:?[ \t]*$", re.MULTILINE)


@cache
def _engine() -> MarkdownIt:
    return MarkdownIt("commonmark").enable_many(["table", "strikethrough", "footnote"])


def takes(text: str) -> bool:
    """Whether the compiled engine renders this body exactly as the reference engine does."""
    if "`" in text or "^[" in text or ":::" in text or "~~~" in text:
        return False
    if text and not text.endswith("\n"):
        return False  # a raw HTML block ending the text: the Rust port adds a newline
    if "[^" in text:
        # A footnote referenced twice: the reference engine numbers the second `fnref1:1`.
        labels = _FOOTNOTE_LABEL.findall(text)
        if len(labels) != len(set(labels)) and max(labels.count(label) for label in labels) > 2:
            return False
    if "[[[[[[[[" in text or _DEEP_LINE.search(text):
        return False  # nesting: the reference engine stops at 20 levels, the Rust port does not
    # A one-column table whose delimiter row has no pipe: the Rust port reads a setext heading.
    return not _PIPE_THEN_BARE_RULE.search(text)


def render(text: str) -> str | None:
    """The body's HTML before sanitising, or None when the reference engine must render it."""
    if not takes(text):
        return None
    try:
        html = _engine().render(text)
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    # markdown-it-py writes a footnote's paragraph on the <li>'s line; the Rust port breaks it.
    return html.replace('class="footnote-item">\n', 'class="footnote-item">')


def plain_text(text: str) -> str | None:
    """`publisher.render.markdown.plain_text` of a body, or None when the reference engine must
    read it."""
    if not takes(text):
        return None
    try:
        root = _engine().tree(text)
        parts: list[str] = []
        _blocks(root, parts)
    except BaseException as error:  # a panic, or a tree deeper than Python's recursion limit
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    return "\n".join(p for p in parts if p.strip())


def _blocks(node: Node, parts: list[str]) -> None:
    run: list[str] | None = None  # text of the inline nodes met since the last block
    for child in node.children:
        if child.name not in _BLOCKS:
            if run is None:
                run = []
            _inline_node(child, run)
            continue
        if run is not None:
            parts.append("".join(run))
            run = None
        if child.name == "footnote_container":
            continue  # footnote bodies are not what the item says
        if child.name in _INLINE_BLOCKS:
            pieces: list[str] = []
            _inline(child, pieces)
            parts.append("".join(pieces))
        else:
            _blocks(child, parts)
    if run is not None:
        parts.append("".join(run))


def _inline(node: Node, pieces: list[str]) -> None:
    for child in node.children:
        _inline_node(child, pieces)


def _inline_node(node: Node, pieces: list[str]) -> None:
    # The reference engine keeps text and code spans, drops breaks, raw HTML and image alt text.
    if node.name in _TEXT:
        pieces.append(node.meta["content"])
    elif node.name != "image":
        _inline(node, pieces)
