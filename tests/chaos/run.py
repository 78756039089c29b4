"""The full chaos run: `python -m tests.chaos.run [--ledger sqlite|postgres|both] [--write-doc]`.

Not part of `make test` (it takes minutes). Exit status 0 only when, on every ledger run, nothing
was posted twice, nothing was lost and every failed/unconfirmed row says why.

    .venv/bin/python -m tests.chaos.run --ledger both --write-doc      # what `make chaos` runs
    .venv/bin/python -m tests.chaos.run --ledger sqlite --items 40 --kills 5   # a quick look
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from pathlib import Path

from tests.chaos.report import record, save_result, terminal_table, write_doc
from tests.chaos.scenario import PG_ADMIN_URL, ChaosOptions, run_chaos


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.chaos.run", description=__doc__.splitlines()[0])
    p.add_argument("--ledger", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--items", type=int, default=170, help="items; each goes to every account")
    p.add_argument("--wechat-accounts", type=int, default=3)
    p.add_argument("--weibo-accounts", type=int, default=3)
    p.add_argument("--workers", type=int, default=3, help="Celery worker processes (prefork)")
    p.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    p.add_argument("--kills", type=int, default=20, help="worker SIGKILLs, each replaced")
    p.add_argument("--kill-every", type=float, nargs=2, default=(4.0, 7.0), metavar=("MIN", "MAX"))
    p.add_argument("--redis-restarts", type=int, default=4, help="Redis SIGKILLs, each restarted empty")
    p.add_argument("--beat-restarts", type=int, default=1)
    p.add_argument("--error-rate", type=float, default=0.10, help="API calls answered HTTP 503")
    p.add_argument("--timeout-rate", type=float, default=0.05, help="API calls answered too late")
    p.add_argument("--invalidations", type=int, default=4, help="token invalidations per channel")
    p.add_argument("--spread-minutes", type=int, default=3, help="items are due over this many minutes")
    p.add_argument("--seed", type=int, default=20261201)
    p.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    p.add_argument("--pg-admin-url", default=PG_ADMIN_URL,
                   help="an existing server where a fresh database is created (default: start our own)")
    p.add_argument("--keep", action="store_true", help="keep the run folder and the database")
    p.add_argument("--folder", type=Path, default=None, help="run folder (default: a temp folder)")
    p.add_argument("--write-doc", action="store_true", help="record the figures in docs/reliability.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # SIGTERM unwinds like Ctrl+C: workers, beat, Redis and the database are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse(argv)
    command = "python -m tests.chaos.run " + " ".join(shlex.quote(a) for a in argv)
    ledgers = ["sqlite", "postgres"] if args.ledger == "both" else [args.ledger]
    ok = True
    for ledger in ledgers:
        options = ChaosOptions(
            ledger=ledger, items=args.items, wechat_accounts=args.wechat_accounts,
            weibo_accounts=args.weibo_accounts, workers=args.workers, concurrency=args.concurrency,
            kills=args.kills, kill_every=tuple(args.kill_every), redis_restarts=args.redis_restarts,
            beat_restarts=args.beat_restarts, error_rate=args.error_rate,
            timeout_rate=args.timeout_rate, invalidations=args.invalidations,
            spread_minutes=args.spread_minutes, seed=args.seed, timeout=args.timeout,
            pg_admin_url=args.pg_admin_url, keep=args.keep,
            folder=(args.folder / ledger) if args.folder else None,
        )  # fmt: skip
        result = run_chaos(options, say=lambda line: print(line, flush=True))
        rec = record(result, command.replace("--ledger both", f"--ledger {ledger}"))
        print(f"\n== chaos run, {ledger} ledger ==\n{terminal_table(rec)}\n", flush=True)
        ok &= rec["ok"]
        if args.write_doc:
            results = save_result(rec)
            print(f"figures written to {write_doc(results)}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
