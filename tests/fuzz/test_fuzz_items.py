"""Hostile items: the loader, the checks and the renderers only ever return findings — never
raise, never hang (each example runs under hypothesis' deadline; pytest-timeout bounds the test).

Front matter as arbitrary text and as arbitrary mappings of the known keys; Markdown bodies with
HTML fragments, deep nesting, huge tables and pathological emphasis; images that are random
bytes, truncated JPEG/PNG, or PNG headers declaring enormous dimensions.
"""

from __future__ import annotations

import io

import pytest
import yaml
from fuzz_support import ScratchRoot, findings_only, fuzz_settings, png
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

pytestmark = pytest.mark.timeout(300)

HEADER_END = "\n---\n"
KNOWN_KEYS = ["title", "author", "department", "publish_at", "expire_at", "draft", "slug", "column", "tags",
              "summary", "cover", "cover_focus", "targets", "review", "unknown_key"]  # fmt: skip
YAML_BITS = ["---", "...", ":", ": ", "- ", "? ", "&a", "*a", "!!python/object:os.system", "!!binary", "{", "}", "[",
             "]", "|", ">", "'", '"', "#", "\t", "  ", "\n", "no", "on", "09:00", "2026-11-20 09:00", "0x1F",
             "1e9999", ".nan", "~", "null", "<<: *a", "\\u0000", "\ufeff", "中文"]  # fmt: skip
HTML_BITS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<iframe src=//x>",
             "<a href='javascript:alert(1)'>", "</div>", "<div>", "<table>", "<!--", "-->", "<![CDATA[", "&#0;",
             "&amp;", "<style>", "<math><mtext>", "<p style='x:url(y)'>", "<<>>", "</", "<img src=cover.jpg>"]  # fmt: skip
MD_BITS = ["*", "**", "_", "__", "`", "```", "~~~", "#", "> ", "- ", "1. ", "|", "---", "[", "](", ")", "![", "\\",
           "    ", "\n", "\n\n", "<", ">", "&", "中文，", "：", "http://", "[^1]", "[^1]: x"]  # fmt: skip

scratch = ScratchRoot()


def teardown_module() -> None:
    scratch.close()


def good_header() -> str:
    text = scratch.index.read_text(encoding="utf-8") if scratch.index.exists() else ""
    return text


GOOD = scratch.index.read_text(encoding="utf-8")
GOOD_HEADER = GOOD[: GOOD.index(HEADER_END, 4) + len(HEADER_END)]

yamlish = st.lists(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=20)), max_size=60).map("".join)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
                      st.sampled_from(["2026-11-20 09:00", "cover.jpg", "../../etc/passwd", "初审", "wechat"]))  # fmt: skip
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
    st.one_of(st.sampled_from(["stage", "by", "at", "accounts", "title", "text", "digest", "wechat", "weibo", "site"]),
              st.text(max_size=8)), inner, max_size=5), max_leaves=20)  # fmt: skip


@fuzz_settings(100)
@given(st.one_of(st.text(max_size=2000), st.binary(max_size=2000).map(lambda b: b.decode("latin-1")),
                 yamlish.map(lambda y: f"---\n{y}\n---\n正文"), yamlish))  # fmt: skip
def test_arbitrary_text_as_an_item_file(text):
    scratch.write(text)
    findings_only(scratch)


@fuzz_settings(100)
@given(st.dictionaries(st.sampled_from(KNOWN_KEYS), json_value, max_size=len(KNOWN_KEYS)))
def test_arbitrary_values_of_the_known_keys(mapping):
    header = yaml.safe_dump(mapping, allow_unicode=True, default_flow_style=False)
    scratch.write(f"---\n{header}---\n\n正文一段。\n")
    findings_only(scratch)


def deep(kind: str, depth: int) -> str:
    return {
        "quote": "> " * depth + "引用",
        # Indentation grows with depth (quadratic size): 400 levels is already 160 kB.
        "list": "\n".join("  " * i + "- 项" for i in range(min(depth, 400))),
        "html": "<div>" * depth + "深" + "</div>" * depth,
        "brackets": "[" * depth + "x" + "](y)" * depth,
        "emphasis": "*a **b " * depth,
        "links": "![" * depth + "cover.jpg" + ")" * depth,
    }[kind]


def table(rows: int, cols: int) -> str:
    head = "|" + "|".join(f"列{i}" for i in range(cols)) + "|"
    rule = "|" + "|".join("---" for _ in range(cols)) + "|"
    return "\n".join([head, rule] + ["|" + "|".join("格" for _ in range(cols)) + "|"] * rows)


bodies = st.one_of(
    st.lists(st.one_of(st.sampled_from(HTML_BITS + MD_BITS), st.text(max_size=30)), max_size=200).map("".join),
    st.builds(deep, st.sampled_from(["quote", "list", "html", "brackets", "emphasis", "links"]),
              st.integers(min_value=1, max_value=3000)),
    # Huge tables (20,000 rows) are in test_hostile_items_do_not_block; here, many shapes.
    st.builds(table, st.integers(min_value=0, max_value=150), st.integers(min_value=1, max_value=30)),
    st.integers(min_value=1, max_value=20000).map(lambda n: "*" * n + "a" + "_" * n),
    st.integers(min_value=1, max_value=5000).map(lambda n: "<" * n + "a" + ">" * n),
)  # fmt: skip


@fuzz_settings(60)
@given(bodies)
def test_arbitrary_markdown_bodies(body):
    scratch.write(GOOD_HEADER + "\n" + body + "\n")
    findings_only(scratch)


def real(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


JPEG, PNG = real("JPEG"), real("PNG")
images = st.one_of(
    st.binary(max_size=4096),
    st.integers(min_value=0, max_value=len(JPEG)).map(lambda n: JPEG[:n]),
    st.integers(min_value=0, max_value=len(PNG)).map(lambda n: PNG[:n]),
    st.tuples(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=2**31 - 1),
              st.binary(max_size=256)).map(lambda t: png(*t)),  # fmt: skip
    st.tuples(st.integers(min_value=0, max_value=len(JPEG) - 1), st.binary(min_size=1, max_size=64)).map(
        lambda t: JPEG[: t[0]] + t[1] + JPEG[t[0] + len(t[1]):]),  # corrupted in the middle
)


@fuzz_settings(80)
@given(cover=images, picture=images)
def test_arbitrary_image_files(cover, picture):
    body = "正文。\n\n![图一](picture.png)\n\n<img src=\"picture.png\">\n"
    scratch.write(GOOD_HEADER + body, files={"cover.jpg": cover, "picture.png": picture})
    try:
        findings = findings_only(scratch)
    finally:
        scratch.reset_cover()
    if cover != JPEG and not _decodes(cover):
        assert any(f.is_error for f in findings), "a cover that is not an image must be an error"


def _decodes(data: bytes) -> bool:
    """Pillow can read the header of a reasonably sized picture (what the image check verifies;
    a file whose pixels are broken further on may still be drawn, partly grey, by Pillow)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width * image.height < 10_000_000
    except Exception:  # noqa: BLE001
        return False


def test_a_png_bomb_is_a_finding_not_an_allocation():
    scratch.write(GOOD_HEADER + "正文。\n", files={"cover.jpg": png(100_000, 100_000)})
    try:
        findings = findings_only(scratch)
    finally:
        scratch.reset_cover()
    assert any(f.code in ("image-bomb", "image-decode") for f in findings), findings


@pytest.mark.parametrize("picture", [PNG[:60], PNG[: len(PNG) // 2], JPEG[: len(JPEG) // 3],
                                     b"\xff\xd8\xff\xc0\x00\x08\x08\x00\x01\x00\x01\x01"])
def test_a_truncated_body_image_is_a_finding(picture):
    """Pillow decodes lazily: a header that reads fine can fail later, inside the renderer's
    sanitizer callback, where an exception used to vanish (and the picture with it)."""
    scratch.write(GOOD_HEADER + "正文。\n\n![图一](picture.png)\n", files={"picture.png": picture})
    codes = {f.code for f in findings_only(scratch)}
    assert any(c.endswith("image-decode") for c in codes), codes
