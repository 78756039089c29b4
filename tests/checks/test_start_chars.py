"""A pattern led by the class of its matches' first characters (publisher.checks.start_chars)
finds exactly what the bare pattern finds: the placeholder rules over the repository's Markdown,
and random patterns over random texts (Hypothesis); where a start class cannot be certain, the
pattern is left as written."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.checks.placeholders import PlaceholderMatcher
from publisher.checks.start_chars import start_class, with_start_class
from publisher.content.matrix import DEFAULT_PLACEHOLDERS, PlaceholderRules
from tests.markdown_corpus import repo_markdown

BUILTIN = "|".join(f"(?:{p})" for p in DEFAULT_PLACEHOLDERS)


def _every_search(pattern: re.Pattern, text: str) -> list:
    """What `search` answers from every starting position: span and groups of each match."""
    out = []
    for position in range(len(text) + 1):
        match = pattern.search(text, position)
        out.append(None if match is None else (match.span(), match.groups()))
    return out


def _scan(pattern: re.Pattern, text: str) -> list[tuple[int, int]]:
    """The successive matches `PlaceholderMatcher.spans` asks for."""
    found, position = [], 0
    while position <= len(text):
        match = pattern.search(text, position)
        if match is None:
            break
        found.append(match.span())
        position = match.end() if match.end() > match.start() else match.end() + 1
    return found


def test_the_builtin_placeholder_rules_get_a_start_class():
    # Else the check runs at the old speed: the fast path must be the one taken.
    assert start_class(BUILTIN) is not None
    assert PlaceholderMatcher.build(PlaceholderRules()).pattern.pattern.startswith("(?=[")


@pytest.mark.parametrize("pattern", [
    "a?b", "a|", "x*", "(?=a)", ".a", "[^a]b", "(a)?\\1", "(?i)abc", "(?i:a)b", "(?>a)", "(a)?(?(1)b|c)",
    "\\Z", "(?:a|)b", "(?:(?=x))?y", "[\\S\\d]?",
])  # fmt: skip
def test_no_start_class_where_it_cannot_be_certain(pattern):
    assert start_class(pattern) is None
    assert with_start_class(pattern).pattern == pattern


@pytest.mark.parametrize(("pattern", "expected"), [
    ("abc", "[a]"), ("(?<!x)[b-d]y", "[b-d]"), ("(?:(?=x))y", "[y]"), ("\\bfoo|\\d+x", "[f\\d]"), ("(?:a|b)c", "[ab]"), ("(x)\\1", "[x]"),
    ("[\\s\\w]q", "[\\s\\w]"), ("(?:ab){2,}", "[a]"),
])  # fmt: skip
def test_start_classes(pattern, expected):
    assert start_class(pattern) == expected


def test_builtin_rules_find_the_same_over_the_repository_markdown():
    plain, led = re.compile(BUILTIN), with_start_class(BUILTIN)
    texts = repo_markdown()
    assert texts
    for text in texts:
        assert _scan(led, text) == _scan(plain, text)


PLACEHOLDER_PIECES = [
    "X", "x", "XX", "ＸＸ", "××", "○○", "〇", "□", "△", "第", "年", "月", "日", "届", "20", "19", "0", "9", "a", "_",
    "【", "】", "（", "）", "(", ")", "[", "]", "［", "〔", "〕", "此处", "插入", "待补充", "有", "请", "在此处", "TODO",
    "FIXME", "TBD", "{{", "}}", "Lorem ipsum", "lorem ipsum", " ", "\u3000", "\n", "二", "某", "名", "%",
]  # fmt: skip
texts = st.lists(st.sampled_from(PLACEHOLDER_PIECES), max_size=14).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts)
def test_builtin_rules_find_the_same_from_every_position(text):
    assert _every_search(with_start_class(BUILTIN), text) == _every_search(re.compile(BUILTIN), text)


ATOMS = ["a", "b", "X", "1", "\\d", "\\s", "\\w", "\\W", "[ab]", "[^a]", "[a-c1]", ".", "(?<!a)", "(?<=b)",
         "(?=a)", "(?!b)", "\\b", "\\B", "^", "$", "\\A", "\\Z", "()"]  # fmt: skip


def _patterns():
    atom = st.sampled_from(ATOMS)
    return st.recursive(atom, lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map("|".join),
        st.tuples(inner, st.sampled_from(["?", "*", "+", "{1,2}", "{2}", "*?", "+?", "{0,1}"])).map(
            lambda p: f"(?:{p[0]}){p[1]}"),
        inner.map(lambda p: f"({p})"),
        inner.map(lambda p: f"(?:{p})"),
    ), max_leaves=8)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(_patterns(), st.text(alphabet="abX1 _\n", max_size=10))
def test_random_patterns_find_the_same_from_every_position(pattern, text):
    try:
        plain = re.compile(pattern)
    except re.error:
        return
    assert _every_search(with_start_class(pattern), text) == _every_search(plain, text)
