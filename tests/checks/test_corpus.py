"""The bad-input corpus: every broken item reports its specific code at its line, in one run,
and the good items in the same run load and check clean.

Files that should not live in git are made at test time in a copy of the corpus: a file over
5 MB, a sparse image over 64 MB and a symlink pointing out of the content root.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from publisher.checks import CheckReport, check_items
from publisher.content.findings import Severity
from publisher.content.matrix import load_matrix

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad_items"
BODY = "市政务服务中心今天推出“一窗通办”服务，群众办理业务只需到一个窗口。\n"

# item folder → (code, line, severity). Line None: the problem is the whole file.
EXPECTED: dict[str, tuple[str, int | None, Severity]] = {
    "bad/yaml-syntax": ("yaml-syntax", 2, Severity.ERROR),
    "bad/unknown-field": ("unknown-field", 7, Severity.ERROR),
    "bad/wrong-type": ("wrong-type", 7, Severity.ERROR),
    "bad/bad-date": ("bad-date", 5, Severity.ERROR),
    "bad/time-only": ("bad-date", 5, Severity.ERROR),
    "bad/draft-no": ("wrong-type", 7, Severity.ERROR),
    "bad/missing-field": ("missing-field", 2, Severity.ERROR),
    "bad/duplicate-key": ("duplicate-key", 7, Severity.ERROR),
    "bad/yaml-tab": ("yaml-tab", 12, Severity.ERROR),
    "bad/bom": ("encoding-bom", 1, Severity.WARNING),
    "bad/crlf": ("line-endings-crlf", 1, Severity.WARNING),
    "bad/empty": ("file-empty", None, Severity.ERROR),
    "bad/binary": ("file-binary", None, Severity.ERROR),
    "bad/not-utf8": ("encoding-not-utf8", 2, Severity.ERROR),
    "bad/no-front-matter": ("front-matter-missing", 1, Severity.ERROR),
    "bad/unclosed-front-matter": ("front-matter-unclosed", 1, Severity.ERROR),
    "bad/not-a-mapping": ("front-matter-not-mapping", 2, Severity.ERROR),
    "bad/focus-out-of-range": ("bad-value", 7, Severity.ERROR),
    "bad/expire-before-publish": ("expire-before-publish", 7, Severity.ERROR),
    "bad/unknown-account": ("unknown-account", 9, Severity.ERROR),
    "bad/account-channel-mismatch": ("account-channel-mismatch", 9, Severity.ERROR),
    "bad/unknown-channel": ("unknown-channel", 8, Severity.ERROR),
    "bad/unknown-column": ("unknown-column", 6, Severity.ERROR),
    "bad/secret-in-body": ("secret-marker", 20, Severity.ERROR),
    "bad/secret-in-title": ("secret-marker", 2, Severity.ERROR),
    "bad/sensitive-error": ("sensitive-word", 19, Severity.ERROR),
    "bad/sensitive-warning": ("sensitive-word", 19, Severity.WARNING),
    "bad/preferred-wording": ("preferred-wording", 19, Severity.WARNING),
    "bad/review-missing-stage": ("review-missing-stage", 7, Severity.ERROR),
    "bad/review-missing-draft": ("review-missing-stage", 8, Severity.WARNING),
    "bad/review-none": ("review-missing-stage", 2, Severity.ERROR),
    "bad/review-same-person": ("review-same-person", 15, Severity.ERROR),
    "bad/review-out-of-order": ("review-out-of-order", 13, Severity.ERROR),
    "bad/review-after-publish": ("review-after-publish", 16, Severity.WARNING),
    "bad/typography": ("typography-spacing", 19, Severity.WARNING),
    "bad/image-missing": ("image-missing", 21, Severity.ERROR),
    "bad/image-traversal": ("image-outside-folder", 21, Severity.ERROR),
    "bad/image-absolute": ("image-outside-folder", 21, Severity.ERROR),
    "bad/image-bomb": ("image-bomb", 21, Severity.ERROR),
    "bad/image-broken": ("image-decode", 21, Severity.ERROR),
    "bad/image-remote": ("image-remote", 21, Severity.ERROR),
    "bad/image-data-uri": ("image-bad-scheme", 21, Severity.ERROR),
    "bad/cover-missing": ("image-missing", 7, Severity.ERROR),
    # made at test time
    "runtime/huge": ("file-too-large", None, Severity.ERROR),
    "runtime/symlink-out": ("image-outside-folder", 21, Severity.ERROR),
    "runtime/image-too-large": ("image-too-large", 21, Severity.ERROR),
}
GOOD = ["good/plain", "good/with-images", "good/targets"]


def _good_text(corpus: Path) -> str:
    return (corpus / "items/good/plain/index.md").read_text(encoding="utf-8")


def build_runtime_items(corpus: Path, outside: Path) -> None:
    head = _good_text(corpus).split("\n\n", 1)[0] + "\n\n"  # front matter + blank line: body at 19
    runtime = corpus / "items" / "runtime"
    huge = runtime / "huge"
    huge.mkdir(parents=True)
    with open(huge / "index.md", "w", encoding="utf-8") as handle:
        handle.write(head)
        handle.write("正文" * (3 * 1024 * 1024 // 6 * 2 + 10))  # > 5 MB of UTF-8
    link = runtime / "symlink-out"
    link.mkdir()
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    os.symlink(outside / "secret.png", link / "photo.png")
    (link / "index.md").write_text(head + BODY + "\n![图](photo.png)\n", encoding="utf-8")
    big = runtime / "image-too-large"
    big.mkdir()
    with open(big / "big.jpg", "wb") as handle:
        handle.truncate(65 * 1024 * 1024)  # sparse: 65 MB long (over the 64 MB default), nothing on disk
    (big / "index.md").write_text(head + BODY + "\n![大图](big.jpg)\n", encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "content"
    shutil.copytree(CORPUS, root, symlinks=True)
    build_runtime_items(root, tmp_path_factory.mktemp("outside"))
    return root


@pytest.fixture(scope="module")
def report(corpus: Path) -> CheckReport:
    return check_items(corpus, load_matrix(corpus))


def test_corpus_is_big_enough(corpus: Path):
    broken = [p for p in (corpus / "items").rglob("index.md") if "/good/" not in p.as_posix()]
    assert len(broken) >= 30
    assert {p.parent.relative_to(corpus / "items").as_posix() for p in broken} == set(EXPECTED)


@pytest.mark.parametrize("item", sorted(EXPECTED))
def test_broken_item_reports_its_code_and_line(report: CheckReport, item: str):
    code, line, severity = EXPECTED[item]
    path = f"items/{item}/index.md"
    found = [f for f in report.findings if f.path == path]
    assert any(f.code == code and f.line == line and f.severity is severity for f in found), (
        f"{path}: expected {code} at line {line} ({severity}), got "
        + "; ".join(f"{f.code}@{f.line} {f.severity}" for f in found)
    )
    assert all(f.message for f in found)


@pytest.mark.parametrize("item", GOOD)
def test_good_items_in_the_same_run_load_and_check_clean(report: CheckReport, item: str):
    path = f"items/{item}/index.md"
    assert [f for f in report.findings if f.path == path] == []
    assert any(i.display_path == path for i in report.items)


def test_every_file_is_counted_and_broken_files_are_skipped(report: CheckReport, corpus: Path):
    assert report.items_checked == len(list((corpus / "items").rglob("index.md")))
    loaded = {i.display_path for i in report.items}
    assert "items/bad/yaml-syntax/index.md" not in loaded
    # Items with only editorial problems still load (the planner sees them, blocked).
    assert "items/bad/secret-in-body/index.md" in loaded


def test_secret_markers_have_columns(report: CheckReport):
    spots = {(f.line, f.col) for f in report.findings if f.path == "items/bad/secret-in-body/index.md"}
    # “内部资料，请勿外传” is one marking, named whole.
    assert spots == {(20, 5)}


def test_preferred_wording_suggests_the_replacement(report: CheckReport):
    (hit,) = [f for f in report.findings if f.code == "preferred-wording"]
    assert (hit.col, hit.suggestion) == (1, "作为")


def test_pool_and_single_process_agree(corpus: Path, report: CheckReport):
    from publisher.checks import runner

    threshold = runner.POOL_THRESHOLD
    runner.POOL_THRESHOLD = 10
    try:
        pooled = check_items(corpus, load_matrix(corpus), workers=2, keep_items=False)
    finally:
        runner.POOL_THRESHOLD = threshold
    assert [f.to_dict() for f in pooled.findings] == [f.to_dict() for f in report.findings]



def test_the_pool_preloads_every_built_in_channel():
    """The fork server imports publisher.checks.preload before forking check workers; a built-in
    channel missing there would be imported by every worker again (slower, same findings)."""
    import subprocess
    import sys

    from channels.registry import _BUILTIN
    from publisher.checks import preload, runner

    assert [preload.__name__] == runner._PRELOAD
    modules = {target.split(":")[0] for target in _BUILTIN.values()} | {"publisher.checks.runner"}
    code = f"import sys, {preload.__name__}; print(sorted(m for m in {sorted(modules)!r} if m not in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
