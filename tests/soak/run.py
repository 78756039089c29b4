"""Memory soak: many syncs of the sample content in one process, RSS measured before and after.

    .venv/bin/python -m tests.soak.run --syncs 2000        # what `make soak` runs (long)
    .venv/bin/python -m tests.soak.run --syncs 60          # the short version in `make test`

A resident `publisher run` or Celery worker syncs the content repo every minute for months; each
sync loads a fresh matrix and items. Whatever a sync leaves behind (issue 13: one check context
per sync, forever) adds up. The run copies `content/` to a temporary folder (read as a working
tree), syncs it into a SQLite ledger `--warmup` times (caches, imports, first renditions), takes
the resident set size, syncs `--syncs` more times and takes it again. Exit status 1 when the
growth is `--max-growth-mb` or more, or when the check-context cache outgrew its bound.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def rss_mb() -> float:
    """Resident set size of this process (Linux /proc), MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def soak(syncs: int, warmup: int, say=print) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        shutil.copytree(REPO / "content", folder / "content")
        os.environ.update({
            "PUBLISHER_CONTENT_DIR": str(folder / "content"),
            "PUBLISHER_STATE_DIR": str(folder / "state"),
            "PUBLISHER_USE_GIT": "false",
            "PUBLISHER_DATABASE_URL": f"sqlite:///{folder / 'state' / 'ledger.sqlite3'}",
        })  # fmt: skip
        from publisher.checks import CONTEXT_CACHE_SIZE, cached_contexts
        from publisher.ledger import open_ledger
        from publisher.schedule.sync import sync
        from publisher.settings import Settings

        settings = Settings()
        ledger = open_ledger(settings.resolved_database_url)
        for _ in range(warmup):
            sync(settings.content_dir, ledger, settings)
        gc.collect()
        before, started = rss_mb(), time.monotonic()
        peak_contexts = 0
        for n in range(1, syncs + 1):
            sync(settings.content_dir, ledger, settings)
            peak_contexts = max(peak_contexts, cached_contexts())
            if n % max(1, syncs // 10) == 0:
                say(f"  {n}/{syncs} syncs, RSS {rss_mb():.1f} MB, {time.monotonic() - started:.0f} s")
        gc.collect()
        after = rss_mb()
        ledger.close()
        return {
            "syncs": syncs, "warmup": warmup, "rss_before_mb": round(before, 1),
            "rss_after_mb": round(after, 1), "growth_mb": round(after - before, 1),
            "seconds": round(time.monotonic() - started, 1),
            "peak_check_contexts": peak_contexts, "context_bound": CONTEXT_CACHE_SIZE,
        }  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.soak.run", description=__doc__.splitlines()[0])
    p.add_argument("--syncs", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--max-growth-mb", type=float, default=20.0)
    p.add_argument("--json", action="store_true", help="print the result as one JSON line at the end")
    args = p.parse_args(argv)
    result = soak(args.syncs, args.warmup, say=lambda line: print(line, flush=True))
    ok = result["growth_mb"] < args.max_growth_mb and result["peak_check_contexts"] <= result["context_bound"]
    result["ok"] = ok
    print(json.dumps(result) if args.json else
          f"{result['syncs']} syncs in {result['seconds']:.0f} s: RSS {result['rss_before_mb']} → "
          f"{result['rss_after_mb']} MB (growth {result['growth_mb']} MB, limit {args.max_growth_mb} MB); "
          f"check contexts kept ≤ {result['peak_check_contexts']} (bound {result['context_bound']}): "
          f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
