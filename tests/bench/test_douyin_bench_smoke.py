"""The 抖音 video benchmark runs end to end on a tiny item (smoke test: no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import douyin_bench  # noqa: E402


def test_quick_run_renders_the_item_and_the_floor_and_reports_them():
    result = douyin_bench.run(quick=True)
    rows = result["rows"]
    ours = rows["ours: render from scratch"]
    floor = rows["floor, synthetic frames: PyAV alone, same count and settings"]
    inside = rows["floor, these frames: PyAV encode + mux inside that run"]
    assert 0 < min(inside["times"]) < min(ours["times"])
    assert ours["frames"] == floor["frames"] == 42  # (2.5 + 2 × 1 + 2.5) s at 6 fps
    assert ours["bytes"] > 10_000 and floor["bytes"] > 10_000
    text = douyin_bench.report(result)
    assert text.startswith(douyin_bench.SECTION)
    assert "÷ floor" in text and "| floor, synthetic frames" in text and "| floor, these frames" in text
    # every timed row says what it cost in CPU and which load it ran under
    assert ours["cpu"][0] > 0 and "→" in ours["loads"][0]
    assert "load (1 min) before→after" in text and "CPU s (median)" in text
