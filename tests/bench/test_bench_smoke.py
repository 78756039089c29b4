"""The benchmark scripts run end to end on tiny inputs (smoke tests: no timing is asserted)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import image_bench, measure, site_bench  # noqa: E402


def test_run_measured_sees_a_child_process_memory_and_exit_code():
    # Held for a moment: memory is sampled every 50 ms (a zombie's status has no VmHWM left).
    code = ("import sys, time; block = bytearray(80 * 1024 * 1024); block[::4096] = b'x' * len(block[::4096]); "
            "time.sleep(0.5); sys.exit(3)")
    run = measure.run_measured("alloc", [sys.executable, "-c", code])
    assert run.code == 3
    assert run.peak_mb >= 80
    assert run.cpu_seconds > 0 and run.seconds > 0


def test_repeat_keeps_every_run_and_raises_on_failure():
    result = measure.repeat("true", [sys.executable, "-c", "pass"], 2)
    assert len(result.runs) == 2 and result.best.seconds <= result.median
    try:
        measure.repeat("false", [sys.executable, "-c", "raise SystemExit(2)"], 1)
    except RuntimeError as exc:
        assert "exit 2" in str(exc)
    else:
        raise AssertionError("a failing command must not give a figure")


def test_write_section_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmark results\n\n## A\n\nold a\n\n## B\n\nkeep b\n", encoding="utf-8")
    measure.write_section("## A", "## A\n\nnew a\n", path)
    measure.write_section("## C", "## C\n\nc\n", path)
    text = path.read_text(encoding="utf-8")
    assert "new a" in text and "old a" not in text
    assert text.index("## A") < text.index("## B") < text.index("## C") and "keep b" in text


def test_image_pipelines_make_three_outputs_and_report(monkeypatch):
    monkeypatch.setattr(image_bench, "SIZE", (1200, 800))
    sources = image_bench.photos(1)
    with Image.open(io.BytesIO(sources[0])) as im:
        assert im.size == (1200, 800)
    for pipeline in (image_bench.ours, image_bench.ours_before, image_bench.naive, image_bench.floor):
        assert pipeline(sources[0]) > 1000
    times = image_bench.measure(sources, 1)
    assert all(row["cpu"][0] > 0 and row["wall"][0] > 0 and len(row["load"]) == 2 for row in times.values())
    similarity = image_bench.similarity(sources)
    assert all(len(v) == 3 and all(0.5 < s <= 1.0 for s in v) for v in similarity.values())
    result = {"info": measure.machine(), "times": times, "photos": 1, "bytes": [len(sources[0])],
              "load_after": measure.load(), "quick": True, "ssim": similarity}
    text = image_bench.report(result)
    assert text.startswith(image_bench.SECTION) and "÷ floor (CPU)" in text and "| ours |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 4 and f"| {image_bench.BEFORE} |" in text
    # every row: CPU and wall (best / median), both ratios, and the load it ran under
    assert all(len(row.split("|")) == 8 and row.split("|")[6].strip()[0].isdigit() for row in rows)
    assert "SSIM" in text


def test_site_bench_builds_a_tiny_corpus_full_incremental_and_noop(tmp_path):
    result = site_bench.run(16, quick=True, with_peers=False, base=tmp_path)
    rows = result["rows"]
    assert set(rows) == {"ours_cold", "ours_full", "ours_incr", "ours_noop"}
    assert result["pages"]["ours"] > 12 and result["media"] > 0
    assert all(run.code == 0 for r in rows.values() for run in r.runs)
    page = tmp_path / "out" / "ours"
    assert any(page.rglob("item-00005/index.html")) or any(page.rglob("*.html"))
    # The edited item is restored afterwards: the stamped corpus stays what its stamp says.
    edited, _ = site_bench.edited_item(tmp_path / "corpus")
    assert "基准测试" not in (tmp_path / "corpus" / edited).read_text(encoding="utf-8")
    assert int(site_bench.written(rows, "ours_incr")) >= 1  # the page (lists show no body text)
    assert site_bench.written(rows, "ours_noop") == "0"
    text = site_bench.report(result)
    assert "Hugo not run" in text and "| ours: incremental, 1 item changed |" in text
    # Every row says which load it ran under (one "before→after" per run) and its CPU seconds.
    for row in rows.values():
        line = next(t for t in text.splitlines() if t.startswith(f"| {row.label} |"))
        assert line.count("→") == len(row.runs) and f"| {row.cpu:.1f} |" in line, line
    assert "- Goal: no-op rebuild ≤ 0.3 s" in text and "- Goal: cached build never slower than cold" in text
