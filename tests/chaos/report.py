"""The chaos run's figures: a table on the terminal, a JSON record, and docs/reliability.md.

Each ledger's latest result is kept in `tests/chaos/results.json`; the document is regenerated
from all of them, so running one ledger again updates its column only.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from tests.chaos.scenario import ChaosResult

REPO = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).with_name("results.json")
DOC = REPO / "docs" / "reliability.md"
COMMAND = "make chaos   # = .venv/bin/python -m tests.chaos.run --ledger both --write-doc"


def record(result: ChaosResult, command: str) -> dict:
    v = result.verdict
    return {
        "ledger": result.options.ledger,
        "ok": v.ok,
        "failures": v.failures,
        "command": command,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_cpus()} CPUs, load {_load()}",
        "publications": result.publications,
        "accounts": result.accounts,
        "items": result.options.items,
        "workers": f"{result.options.workers} × prefork {result.options.concurrency}",
        "kills": result.kills,
        "redis_restarts": result.redis_restarts,
        "beat_restarts": result.beat_restarts,
        "self_exits": result.self_exits,
        "faults": result.faults,
        "states": v.states,
        "duplicates": v.duplicates,
        "lost": v.lost,
        "unexplained": v.unexplained,
        "unconfirmed_posted": v.unconfirmed_posted,
        "unconfirmed_absent": v.unconfirmed_absent,
        "operator": result.operator,
        "lateness_seconds": result.lateness,
        "chaos_seconds": round(result.settle_seconds, 1),
        "total_seconds": round(result.seconds, 1),
        "options": {k: (str(x) if isinstance(x, Path) else x) for k, x in asdict(result.options).items()
                    if k not in ("pg_admin_url",)},
    }  # fmt: skip


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _load() -> str:
    import os

    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def rows_of(rec: dict) -> list[tuple[str, str]]:
    op = rec["operator"]
    faults = rec["faults"]
    states = rec["states"]
    late = rec.get("lateness_seconds") or {}
    fault_text = ", ".join(f"{k} {n}" for k, n in faults.items()) or "none"
    return [
        ("verdict", "PASS" if rec["ok"] else "FAIL: " + "; ".join(rec["failures"])),
        ("publications (items × accounts)", f"{rec['publications']} ({rec['items']} × {rec['accounts']})"),
        ("accounts", f"{rec['accounts']} (WeChat {rec['options']['wechat_accounts']}, Weibo {rec['options']['weibo_accounts']})"),
        ("workers", rec["workers"]),
        ("worker SIGKILLs (each replaced)", str(rec["kills"])),
        ("Redis restarts (no persistence; SIGKILL since issue 13)", str(rec["redis_restarts"])),
        ("beat SIGKILLs + restarts", str(rec["beat_restarts"])),
        ("workers/beat that exited by themselves (never restarted; any fails the run)",
         "not counted (run before this rule)" if "self_exits" not in rec else
         str(len(rec["self_exits"])) + "".join(f" — {e}" for e in rec["self_exits"][:3])),
        ("faults injected (sandbox counters)", fault_text),
        ("final states", ", ".join(f"{k} {n}" for k, n in states.items())),
        ("duplicates", str(rec["duplicates"])),
        ("lost", str(rec["lost"])),
        ("failed/unconfirmed without a reason", str(rec["unexplained"])),
        ("rows ever unconfirmed during the run", str(op.get("ever_unconfirmed", 0))),
        ("… left it for published (channel reconcile) / scheduled (absent, or retry --not-posted)",
         f"{op.get('unconfirmed_to_published', 0)} / {op.get('unconfirmed_to_scheduled', 0)}"),
        ("unconfirmed when the chaos ended", str(op.get("unconfirmed_at_end_of_chaos", 0))),
        ("… resolved by the poll step (reconcile)", f"{op.get('reconciled_published', 0)} published, "
                                                     f"{op.get('reconciled_rescheduled', 0)} rescheduled"),
        ("… `publisher retry --not-posted` after checking the platform", str(op.get("operator_retry_not_posted", 0))),
        ("… left unconfirmed, on the platform exactly once", str(rec["unconfirmed_posted"])),
        ("… left unconfirmed, by channel and cause", ", ".join(
            f"{k.split(':', 1)[1]} {n}" for k, n in sorted(op.items()) if k.startswith("left_unconfirmed:")) or "—"),
        ("failed when the chaos ended / retried by the operator", f"{op.get('failed_at_end_of_chaos', 0)} / {op.get('operator_retry_failed', 0)}"),
        ("paused accounts unblocked (clear_quota / reauthorize / unfreeze)",
         f"{op.get('wechat_clear_quota', 0)} / {op.get('weibo_reauthorize', 0)} / {op.get('unfreeze', 0)}"),
        ("lateness vs schedule (median / p95 / max)",
         " / ".join(f"{late[k]:.0f} s" for k in ("median", "p95", "max")) if late else "—"),
        ("time: chaos phase / total", f"{rec['chaos_seconds']:.0f} s / {rec['total_seconds']:.0f} s"),
    ]  # fmt: skip


def terminal_table(rec: dict) -> str:
    rows = rows_of(rec)
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def load_results() -> dict[str, dict]:
    if RESULTS.exists():
        return json.loads(RESULTS.read_text(encoding="utf-8"))
    return {}


def save_result(rec: dict) -> dict[str, dict]:
    results = load_results()
    results[rec["ledger"]] = rec
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return results


def figures_markdown(results: dict[str, dict]) -> str:
    ledgers = [k for k in ("sqlite", "postgres") if k in results]
    header = "| | " + " | ".join({"sqlite": "SQLite ledger", "postgres": "PostgreSQL ledger"}[k] for k in ledgers) + " |"
    lines = [header, "|---" * (len(ledgers) + 1) + "|"]
    per = {k: rows_of(results[k]) for k in ledgers}
    for i, (label, _) in enumerate(per[ledgers[0]]):
        cells = " | ".join(per[k][i][1].replace("|", "\\|") for k in ledgers)
        lines.append(f"| {label} | {cells} |")
    lines.append("")
    for k in ledgers:
        r = results[k]
        lines.append(f"- {k}: run {r['at']} on {r['machine']}; `{r['command']}`")
    return "\n".join(lines)


def write_doc(results: dict[str, dict]) -> Path:
    from tests.chaos.reliability_doc import render

    DOC.write_text(render(figures_markdown(results), COMMAND), encoding="utf-8")
    return DOC
