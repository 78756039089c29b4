"""The publishing benchmark runs end to end on a handful of publications: real redis-server,
sandbox process, two Celery workers, SQLite then PostgreSQL (a smoke test: figures are printed, never asserted).

It runs in a fresh interpreter: the benchmark imports its own Celery app and rewrites PUBLISHER_*
settings, which must not meet the state other tests left in a shared pytest worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from publish_fixtures import require_binary  # noqa: E402

SCRIPT = """
import json, sys
from bench import publish_bench
result = publish_bench.run(sizes=(20, 4, 2, 6), lead=6)
text = publish_bench.report(result)
print(json.dumps({"raw": result["raw"], "rates": [result[f"{d}-{c}"] for d in publish_bench.DATABASES
                                                  for c in ("weibo", "wechat")],
                  "late": result["late"], "report_ok": text.startswith(publish_bench.SECTION) and "p99" in text}))
"""

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(400)]


def test_publish_bench_measures_raw_celery_publications_and_lateness():
    require_binary("redis-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=380, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["raw"] > 0 and len(result["rates"]) == 4 and min(result["rates"]) > 0
    late = result["late"]
    assert late["n"] == 6 and late["min"] <= late["p50"] <= late["p99"] <= late["max"]
    assert late["min"] >= 0, "a publication reached the channel before it was due"
    assert result["report_ok"]
