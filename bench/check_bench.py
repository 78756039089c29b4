"""Time `publisher check` over a generated corpus and compare it with a parse-only floor.

    python -m bench.check_bench [--n 10000] [--corpus bench/_corpus/check] [--no-write]

1. Generates (or refreshes) the corpus with `bench.corpus` (not timed).
2. Runs `publisher check CORPUS` in a subprocess: wall time, peak RSS of the largest process
   (from `wait4`) and peak RSS summed over the whole process tree (sampled from /proc, since
   the check fans out to a process pool).
3. The floor: markdown-it-py (with tables and footnotes) parsing the same bodies, one process.
4. Prints a table and replaces the section "## Check (issue 1/7)" in bench/RESULTS.md.
   When the target is missed, a cProfile summary of an in-process run over a slice of the
   corpus is added, so the section says where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

from bench.corpus import generate
from bench.measure import Run, machine, now_text, run_measured

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## Check (issue 1/7)"
TARGET_SECONDS, TARGET_MB = 15.0, 300.0


def floor(corpus: Path, compiled: bool = False) -> None:
    """Render every body to HTML in this process (the `--floor` / `--floor-compiled` subprocess):
    markdown-it-py with tables and footnotes, or the compiled engine (markdown-it-pyrs) with the
    same rules — no sanitising, no front matter, no pictures."""
    if compiled:
        from markdown_it_pyrs import MarkdownIt as CompiledMarkdownIt

        md = CompiledMarkdownIt("commonmark").enable_many(["table", "strikethrough", "footnote"])
    else:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.footnote import footnote_plugin

        md = MarkdownIt("commonmark").enable("table").use(footnote_plugin)
    count = 0
    for path in sorted((corpus / "items").rglob("index.md")):
        text = path.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1]
        md.render(body)
        count += 1
    print(f"parsed {count} bodies")


def profile(corpus: Path, limit: int) -> str:
    """Where `check_items` spends its time, in one process over the first `limit` items."""
    from publisher.checks import check_items, runner
    from publisher.content.loader import discover
    from publisher.content.matrix import load_matrix

    matrix = load_matrix(corpus)
    paths = discover(corpus)[:limit]
    saved = runner.POOL_THRESHOLD
    runner.POOL_THRESHOLD = 10**9  # profile in-process: workers would hide the time
    profiler = cProfile.Profile()
    try:
        started = time.perf_counter()
        profiler.enable()
        check_items(corpus, matrix, paths, keep_items=False)
        profiler.disable()
        seconds = time.perf_counter() - started
    finally:
        runner.POOL_THRESHOLD = saved
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(25)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    head = f"Profile: {len(paths)} items in one process, {seconds:.1f} s with cProfile on (cumulative):"
    return head + "\n\n```\n" + "\n".join(lines[start:]) + "\n```\n"


def section(info: dict[str, str], n: int, command: str, runs: list[Run], extra: str) -> str:
    now = now_text()
    check = runs[0]
    met = check.seconds <= TARGET_SECONDS and (check.tree_mb or check.peak_mb) <= TARGET_MB
    rows = "\n".join(
        f"| {r.label} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | {r.peak_mb:.0f} | "
        f"{'' if r.tree_mb is None else f'{r.tree_mb:.0f}'} | {r.load} | {r.note} |"
        for r in runs
    )
    return f"""{SECTION}

- Date: {now}
- Machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}
- Load average (1, 5, 15 min) at start {info['load']}, at end {machine()['load']} — other work shares these
  CPUs, so wall times are inflated; CPU seconds are the steadier figure
- Corpus: `python -m bench.corpus bench/_corpus/check --n {n}` ({n:,} items, 2–6 KB bodies, 1–3 photos each)
- Command: `{command}`
- Target: under {TARGET_SECONDS:.0f} s and {TARGET_MB:.0f} MB — **{'met' if met else 'not met'}** as measured;
  CPU s ÷ {info['nproc']} CPUs ≈ {check.cpu_seconds / int(info['nproc']):.1f} s is what the check would need
  with the CPUs to itself (an estimate, not a measurement)

| run | wall s | CPU s (all processes) | peak RSS, largest process MB | peak RSS, all processes MB | load (1 min) before→after | note |
| --- | ---: | ---: | ---: | ---: | --- | --- |
{rows}

{extra}"""


def write_section(text: str) -> None:
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    if SECTION in old:
        before, rest = old.split(SECTION, 1)
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
        new = before + text.rstrip() + "\n" + tail
    else:
        new = old.rstrip() + "\n\n" + text.rstrip() + "\n"
    RESULTS.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, default=HERE / "_corpus" / "check")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor-compiled", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-items", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if args.floor:
        floor(args.floor)
        return 0
    if args.floor_compiled:
        floor(args.floor_compiled, compiled=True)
        return 0

    info = machine()
    stats = generate(args.corpus, args.n)
    print(f"corpus: {stats.items} items in {args.corpus} ({stats.seconds:.1f} s to generate)")
    publisher = Path(sys.executable).with_name("publisher")
    command = [str(publisher), "check", str(args.corpus)]
    check = run_measured("publisher check", command)
    check.note = f"exit {check.code}; " + check.tail.splitlines()[-1] if check.tail else f"exit {check.code}"
    base = run_measured("floor: markdown-it-py parse only", [sys.executable, "-m", "bench.check_bench", "--floor", str(args.corpus)])
    base.note = "1 process, same bodies"
    runs = [check, base]
    for run in runs:
        tree = "" if run.tree_mb is None else f", {run.tree_mb:.0f} MB all processes"
        print(f"{run.label:<36} {run.seconds:7.1f} s wall {run.cpu_seconds:7.1f} s CPU"
              f"  {run.peak_mb:6.0f} MB largest{tree}  load {run.load}  {run.note}")
    extra = ""
    if check.seconds > TARGET_SECONDS or (check.tree_mb or check.peak_mb) > TARGET_MB:
        extra = profile(args.corpus, args.profile_items)
        print(extra)
    if not args.no_write:
        shown = f"publisher check bench/_corpus/check  ({os.cpu_count()} worker processes when ≥ 500 items)"
        write_section(section(info, stats.items, shown, runs, extra))
        print(f"updated {RESULTS}")
    return 0 if check.code in (0, 1) else check.code


if __name__ == "__main__":
    sys.exit(main())
