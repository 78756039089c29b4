"""The publishing benchmark runs end to end on a handful of publications: real redis-server,
sandbox process, two Celery workers (a smoke test: figures are printed, never asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from publish_fixtures import require_binary  # noqa: E402

from bench import publish_bench  # noqa: E402

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(300)]


def test_publish_bench_measures_raw_celery_publications_and_lateness(monkeypatch):
    require_binary("redis-server")
    for key in [k for k in __import__("os").environ if k.startswith("PUBLISHER_")]:
        monkeypatch.delenv(key)
    result = publish_bench.run(sizes=(20, 4, 2, 6), lead=6)
    assert result["raw"] > 0 and result["weibo"] > 0 and result["wechat"] > 0
    late = result["late"]
    assert late["n"] == 6 and late["min"] <= late["p50"] <= late["p99"] <= late["max"]
    text = publish_bench.report(result)
    assert text.startswith(publish_bench.SECTION) and "p99" in text
