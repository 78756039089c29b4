"""`publisher check` and rendering for every channel over the 10,000-item corpus, against a floor.

    python -m bench.render_bench [--quick]            (the render pass alone: --render-all CORPUS)

Rows: `publisher check` (its own process pool); render of every target of every item for WeChat,
Weibo and the site (2 processes, image variants from a warm cache: the steady state); two floors,
each rendering the same bodies to HTML alone in one process (`bench.check_bench --floor` /
`--floor-compiled`): markdown-it-py, and the compiled engine (markdown-it-pyrs) that ratios are
taken against. `--before DIR` adds the check and render rows of the code in DIR (e.g. a
`git archive` of an earlier commit) to the same run, so before/after compare under one load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.corpus import ensure
from bench.measure import HERE, Repeated, header, load, machine, repeat, write_section

SECTION = "## Check and render, all channels (issue 6/7)"
WORK = HERE / "_out" / "render"


def _render_chunk(args: tuple[str, list[str], str]) -> int:
    from publisher.content.loader import load_item
    from publisher.content.matrix import load_matrix
    from publisher.content.targets import targets_for
    from publisher.render.renditions import channel_for, image_cache_in

    root, paths, state = Path(args[0]), args[1], args[2]
    matrix = load_matrix(root)
    cache = image_cache_in(state)
    channels: dict[str, object] = {}
    count = 0
    for path in paths:
        item, _ = load_item(Path(path), root, matrix)
        if item is None:
            continue
        for account in targets_for(item, matrix):
            channel = channels.get(account.id) or channels.setdefault(account.id, channel_for(account, matrix, cache))
            channel.render(item)
            count += 1
    return count


def render_all(root: Path, state: Path, workers: int = 2) -> int:
    from publisher.content.loader import discover

    paths = [str(p) for p in discover(root)]
    size = max(1, len(paths) // (workers * 8))
    chunks = [(str(root), paths[i : i + size], str(state)) for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(_render_chunk, chunks))


def run(n: int, quick: bool = False, before: Path | None = None, times: int | None = None) -> dict:
    corpus = HERE / "_corpus" / ("site-quick" if quick else "site" if n == 10_000 else f"site-{n}")
    info = machine()
    ensure(corpus, n, peers=True)
    WORK.mkdir(parents=True, exist_ok=True)
    publisher = str(Path(sys.executable).with_name("publisher"))
    env = {"PUBLISHER_STATE_DIR": str(WORK / "state")}
    times = times or (2 if not quick else 1)
    rows: dict[str, Repeated] = {}
    check = [sys.executable, "-c", "import sys; from publisher.cli import main; sys.argv[0] = 'publisher'; main()",
             "check", str(corpus)] if before else [publisher, "check", str(corpus)]
    render = [sys.executable, "-m", "bench.render_bench", "--render-all", str(corpus)]
    if before:
        old = {**env, "PYTHONPATH": str(before)}
        rows["check-before"] = repeat("before: publisher check", check, 1, env=old, cwd=before, check=False)
        rows["render-before"] = repeat("before: render, all targets", render, times, env=old, cwd=before)
    rows["check"] = repeat("publisher check", check, 1, env={**env, "PYTHONPATH": str(HERE.parent)}, cwd=WORK,
                           check=False)
    rows["render"] = repeat("render: WeChat + Weibo + site, all targets", render, times, env=env, cwd=HERE.parent)
    floor = [sys.executable, "-m", "bench.check_bench", "--floor", str(corpus)]
    rows["floor-py"] = repeat("floor: markdown-it-py, render only, 1 process", floor, times, cwd=HERE.parent)
    compiled = [sys.executable, "-m", "bench.check_bench", "--floor-compiled", str(corpus)]
    rows["floor"] = repeat("floor: compiled engine, render only, 1 process", compiled, times, cwd=HERE.parent)
    command = "python -m bench.render_bench" + (" --quick" if quick else "") + \
        (f" --n {n}" if n not in (300, 10_000) else "") + (f" --times {times}" if times else "") + \
        (" --before DIR" if before else "")
    return {"n": n, "rows": rows, "info": info, "load_after": load(), "quick": quick, "command": command,
            "renditions": rows["render"].best.tail}


def report(result: dict) -> str:
    rows = result["rows"]
    floor = rows["floor"].best
    lines = [
        "| run | best wall s | median wall s | CPU s (all processes) | peak MB (all processes) | wall ÷ floor | CPU ÷ floor | load (1 min) before→after | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows.values():
        note = r.best.tail.splitlines()[-1] if r.best.tail else ""
        lines.append(f"| {r.label} | {r.best.seconds:.1f} | {r.median:.1f} | {r.cpu:.1f} | {r.peak_mb:.0f} | "
                     f"{r.best.seconds / floor.seconds:.2f}× | {r.cpu / max(rows['floor'].cpu, 0.01):.2f}× | {r.load} | {note} |")
    extra = (f"- Corpus: `bench/_corpus/site` ({result['n']:,} items, the site benchmark's corpus)\n"
             if result["n"] == 10_000 else f"- Corpus: `bench.corpus` with --n {result['n']} (the site corpus's "
             "generator, first items only)\n")
    goals = []
    for key, limit, what in (("render", 10, "render all channels"), ("check", 3, "`publisher check`")):
        ratio = rows[key].best.seconds / floor.seconds
        goals.append(f"- Goal: {what} ≤ {limit}× the compiled floor (wall) — {ratio:.2f}×: "
                     f"**{'met' if ratio <= limit else 'not met'}**")
    return "\n".join([
        header(SECTION, result["info"], result["command"], result["load_after"], extra), *goals, "", *lines, "",
        "Ratios are to the compiled floor (the last row): the same bodies rendered to HTML by the compiled "
        "engine alone, one process. The floors render each body once in one process; check and render use "
        "both CPUs, so their wall time can fall below CPU ÷ 1. Render reads picture variants from the image "
        "cache (steady state). CPU s counts every process of a run (children included).",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--render-all", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help="items (default 10,000; 300 with --quick)")
    parser.add_argument("--times", type=int, help="runs of each row (default 2; 1 with --quick)")
    parser.add_argument("--before", type=Path, help="also time check and render with the code in this folder")
    args = parser.parse_args(argv)
    if args.render_all:
        started = time.perf_counter()
        count = render_all(args.render_all, Path(os.environ.get("PUBLISHER_STATE_DIR", ".state")))
        print(f"rendered {count} renditions in {time.perf_counter() - started:.1f} s")
        return 0
    n = args.n or (300 if args.quick else 10_000)
    text = report(run(n, args.quick, args.before, args.times))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
