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
import platform
import pstats
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.corpus import generate

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## Check (issue 1/7)"
TARGET_SECONDS, TARGET_MB = 15.0, 300.0


@dataclass
class Run:
    label: str
    seconds: float
    peak_mb: float  # largest single process
    tree_mb: float | None = None  # all processes of the run together
    cpu_seconds: float = 0.0  # user + system, the run's processes together (robust under load)
    note: str = ""


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "load": load,
    }


def _tree_memory_kb(root_pid: int) -> tuple[int, int]:
    """(current RSS summed over `root_pid` and its descendants, largest VmHWM among them).

    Read from /proc because `ru_maxrss` from wait4/getrusage is inherited across fork: a child
    of this (large) benchmark process would report our RSS, not its own. VmHWM belongs to the
    address space created by exec, so it is the child's own peak.
    """
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    total = largest = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        total += int(fields.get("VmRSS", "0 kB").split()[0])
        largest = max(largest, int(fields.get("VmHWM", "0 kB").split()[0]))
    return total, largest


def run_measured(label: str, command: list[str]) -> tuple[Run, int, str]:
    """Run a command; return its timing, memory, exit status and the tail of its output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_tree = peak_single = 0
    done = threading.Event()
    output: list[bytes] = []

    def sample() -> None:
        nonlocal peak_tree, peak_single
        while not done.is_set():
            total, largest = _tree_memory_kb(process.pid)
            peak_tree, peak_single = max(peak_tree, total), max(peak_single, largest)
            done.wait(0.05)

    def drain() -> None:
        assert process.stdout is not None
        output.append(process.stdout.read())

    threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=drain, daemon=True)]
    for thread in threads:
        thread.start()
    # Wait without reaping, so the sampler can still read the process's peak at its very end.
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    seconds = time.perf_counter() - started
    done.set()
    threads[0].join()
    total, largest = _tree_memory_kb(process.pid)
    peak_tree, peak_single = max(peak_tree, total), max(peak_single, largest)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    threads[1].join()
    tail = b"".join(output).decode("utf-8", "replace").strip().splitlines()[-3:]
    run = Run(label, seconds, peak_single / 1024, peak_tree / 1024, usage.ru_utime + usage.ru_stime)
    return run, process.returncode, "\n".join(tail)


def floor(corpus: Path) -> None:
    """Parse every body with markdown-it-py in this process (the `--floor` subprocess)."""
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
    from publisher.loader import discover
    from publisher.matrix import load_matrix

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
    now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z")
    check = runs[0]
    met = check.seconds <= TARGET_SECONDS and (check.tree_mb or check.peak_mb) <= TARGET_MB
    rows = "\n".join(
        f"| {r.label} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | {r.peak_mb:.0f} | "
        f"{'' if r.tree_mb is None else f'{r.tree_mb:.0f}'} | {r.note} |"
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

| run | wall s | CPU s | peak RSS, largest process MB | peak RSS, all processes MB | note |
| --- | ---: | ---: | ---: | ---: | --- |
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
    parser.add_argument("--profile-items", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if args.floor:
        floor(args.floor)
        return 0

    info = machine()
    stats = generate(args.corpus, args.n)
    print(f"corpus: {stats.items} items in {args.corpus} ({stats.seconds:.1f} s to generate)")
    publisher = Path(sys.executable).with_name("publisher")
    command = [str(publisher), "check", str(args.corpus)]
    check, code, tail = run_measured("publisher check", command)
    check.note = f"exit {code}; " + tail.splitlines()[-1] if tail else f"exit {code}"
    base, _, _ = run_measured("floor: markdown-it-py parse only", [sys.executable, "-m", "bench.check_bench", "--floor", str(args.corpus)])
    base.note = "1 process, same bodies"
    runs = [check, base]
    for run in runs:
        tree = "" if run.tree_mb is None else f", {run.tree_mb:.0f} MB all processes"
        print(f"{run.label:<36} {run.seconds:7.1f} s wall {run.cpu_seconds:7.1f} s CPU"
              f"  {run.peak_mb:6.0f} MB largest{tree}  {run.note}")
    extra = ""
    if check.seconds > TARGET_SECONDS or (check.tree_mb or check.peak_mb) > TARGET_MB:
        extra = profile(args.corpus, args.profile_items)
        print(extra)
    if not args.no_write:
        shown = f"publisher check bench/_corpus/check  ({os.cpu_count()} worker processes when ≥ 500 items)"
        write_section(section(info, stats.items, shown, runs, extra))
        print(f"updated {RESULTS}")
    return 0 if code in (0, 1) else code


if __name__ == "__main__":
    sys.exit(main())
