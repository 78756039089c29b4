"""`publisher check` and rendering for every channel over the 10,000-item corpus, against a floor.

    python -m bench.render_bench [--quick]            (the render pass alone: --render-all CORPUS)

Rows: `publisher check` (its own process pool); render of every target of every item for WeChat,
Weibo and the site (2 processes, image variants from a warm cache: the steady state); the floor is
markdown-it-py parsing the same bodies alone, in one process (`bench.check_bench --floor`).
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


def run(n: int, quick: bool = False) -> dict:
    corpus = HERE / "_corpus" / ("site-quick" if quick else "site")
    info = machine()
    ensure(corpus, n, peers=True)
    WORK.mkdir(parents=True, exist_ok=True)
    publisher = str(Path(sys.executable).with_name("publisher"))
    env = {"PUBLISHER_STATE_DIR": str(WORK / "state")}
    rows: dict[str, Repeated] = {}
    rows["check"] = repeat("publisher check", [publisher, "check", str(corpus)], 1, env=env, cwd=WORK, check=False)
    render = [sys.executable, "-m", "bench.render_bench", "--render-all", str(corpus)]
    rows["render"] = repeat("render: WeChat + Weibo + site, all targets", render, 2 if not quick else 1,
                            env=env, cwd=HERE.parent)
    floor = [sys.executable, "-m", "bench.check_bench", "--floor", str(corpus)]
    rows["floor"] = repeat("floor: markdown-it-py parse only, 1 process", floor, 2 if not quick else 1, cwd=HERE.parent)
    return {"n": n, "rows": rows, "info": info, "load_after": load(), "quick": quick,
            "renditions": rows["render"].best.tail}


def report(result: dict) -> str:
    rows = result["rows"]
    floor = rows["floor"].best
    lines = [
        "| run | best wall s | median wall s | CPU s | peak MB (all processes) | wall ÷ floor | CPU ÷ floor | load (1 min) before→after | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows.values():
        note = r.best.tail.splitlines()[-1] if r.best.tail else ""
        lines.append(f"| {r.label} | {r.best.seconds:.1f} | {r.median:.1f} | {r.cpu:.1f} | {r.peak_mb:.0f} | "
                     f"{r.best.seconds / floor.seconds:.2f}× | {r.cpu / max(rows['floor'].cpu, 0.01):.2f}× | {r.load} | {note} |")
    extra = f"- Corpus: `bench/_corpus/site` ({result['n']:,} items, the site benchmark's corpus)\n"
    return "\n".join([
        header(SECTION, result["info"], "python -m bench.render_bench" + (" --quick" if result["quick"] else ""),
               result["load_after"], extra), "", *lines, "",
        "The floor parses each body once in one process; check and render use both CPUs, so their wall "
        "time can fall below CPU ÷ 1. Render reads picture variants from the image cache (steady state).",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--render-all", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render_all:
        started = time.perf_counter()
        count = render_all(args.render_all, Path(os.environ.get("PUBLISHER_STATE_DIR", ".state")))
        print(f"rendered {count} renditions in {time.perf_counter() - started:.1f} s")
        return 0
    text = report(run(300 if args.quick else 10_000, args.quick))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
