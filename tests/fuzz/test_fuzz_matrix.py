"""Hostile publisher.toml: `load_matrix` answers with a Matrix or a MatrixError listing findings,
never anything else; a matrix it accepts never makes loading or checking an item raise."""

from __future__ import annotations

import json

import pytest
from fuzz_support import ScratchRoot, findings_only, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from publisher.content.findings import Finding
from publisher.content.matrix import Matrix, MatrixError, load_matrix

pytestmark = pytest.mark.timeout(300)

scratch = ScratchRoot()
GOOD_TOML = (scratch.root / "publisher.toml").read_text(encoding="utf-8")
KEYS = ["timezone", "default_column", "site", "title", "base_url", "columns", "id", "name", "kind", "accounts",
        "channel", "options", "appid", "base_url", "review", "stages", "distinct_people", "words", "checks",
        "default", "theme", "report", "inspection", "hourly_limit", "out_dir", "deploy", "command"]  # fmt: skip


def teardown_module() -> None:
    scratch.close()


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


leaf = st.one_of(st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                 st.sampled_from(["wechat", "weibo", "site", "Asia/Shanghai", "Mars/Olympus", "../../etc",
                                  "http://127.0.0.1:1", "news", "", "初审"]))  # fmt: skip
value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4), max_leaves=15)  # fmt: skip
table = st.tuples(st.sampled_from(["", "[site]", "[[columns]]", "[[accounts]]", "[accounts.options]", "[review]",
                                   "[words]", "[checks]", "[report]"]),
                  st.dictionaries(st.sampled_from(KEYS), value, max_size=6))  # fmt: skip


def render_tables(tables) -> str:
    out = []
    for header, body in tables:
        out.append(header)
        out.extend(f"{k} = {toml_value(v)}" for k, v in body.items())
    return "\n".join(out) + "\n"


def check(text: str) -> None:
    path = scratch.root / "publisher.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        matrix = load_matrix(scratch.root)
    except MatrixError as exc:
        assert exc.findings and all(isinstance(f, Finding) for f in exc.findings)
        return
    assert isinstance(matrix, Matrix)
    findings_only(scratch, matrix, render=False)


@fuzz_settings(150)
@given(st.lists(table, max_size=8).map(render_tables))
def test_structured_random_toml(text):
    check(text)


@fuzz_settings(100)
@given(st.one_of(st.text(max_size=1500),
                 st.tuples(st.integers(0, len(GOOD_TOML)), st.text(max_size=40)).map(
                     lambda t: GOOD_TOML[: t[0]] + t[1] + GOOD_TOML[t[0]:])))  # fmt: skip
def test_arbitrary_text_and_mutated_real_toml(text):
    check(text)


def test_the_real_toml_still_loads():
    """The mutations above start from a matrix that is valid (so a pass means something)."""
    (scratch.root / "publisher.toml").write_text(GOOD_TOML, encoding="utf-8")
    assert {a.channel for a in load_matrix(scratch.root).accounts} >= {"wechat", "weibo"}
