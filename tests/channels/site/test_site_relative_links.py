"""`theme.relative` answers exactly what `posixpath.relpath` from the page's folder answers (its
fast path for plain site paths skips relpath's normalising): Hypothesis over paths made of
ordinary, empty, `.` and `..` parts, absolute or not, with and without a trailing slash."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.site import theme


def _by_relpath(from_page: str, to_path: str) -> str:
    """The link as it was made before the fast path."""
    rel = posixpath.relpath(to_path, posixpath.dirname(from_page) or "/")
    if to_path.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel


parts = st.lists(st.sampled_from(["", ".", "..", "a", "b", "news", "index.html", "media", "3f", "中文", "a b", "x.jpg"]),
                 max_size=6)
paths = st.tuples(st.sampled_from(["", "/", "//"]), parts, st.sampled_from(["", "/"])).map(
    lambda p: p[0] + "/".join(p[1]) + p[2])


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(paths, paths)
def test_relative_is_relpath_from_the_page_folder(from_page, to_path):
    try:
        expected = _by_relpath(from_page, to_path)
    except ValueError:  # relpath refuses an empty path: so must relative
        with pytest.raises(ValueError):
            theme.relative(from_page, to_path)
        return
    assert theme.relative(from_page, to_path) == expected


@pytest.mark.parametrize(("from_page", "to_path", "expected"), [
    ("/news/2026/a.html", "/static/site.css", "../../static/site.css"),
    ("/index.html", "/news/index.html", "news/index.html"),
    ("/news/index.html", "/news/index.html", "index.html"),
    ("/news/page/2.html", "/news/", "../"),
    ("/a.html", "/", "./"),
])  # fmt: skip
def test_site_links(from_page, to_path, expected):
    assert theme.relative(from_page, to_path) == expected
    assert theme._relpath_of_site_paths(from_page, to_path) is not None  # the fast path answered
