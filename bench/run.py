"""Every benchmark, side by side with its peers and floors; results into bench/RESULTS.md.

    python -m bench.run [--quick] [--only site,images,render,publish,douyin] [--no-write]

`make bench` runs this. `--quick` is a smoke run on tiny inputs (minutes, not a measurement: it
writes nothing unless --write is given). A full run takes about 15–20 minutes on 2 CPUs: the
10,000-item corpus is generated once and reused (stamped), Pelican is installed once into
bench/_peers/, Hugo from Debian when missing.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

from bench import douyin_bench, image_bench, publish_bench, render_bench, site_bench
from bench.measure import write_section

BENCHES = {
    "images": (image_bench, lambda quick: image_bench.run(quick)),
    "site": (site_bench, lambda quick: site_bench.run(300 if quick else 10_000, quick)),
    "render": (render_bench, lambda quick: render_bench.run(300 if quick else 10_000, quick)),
    "publish": (publish_bench, lambda quick: publish_bench.run(quick)),
    "douyin": (douyin_bench, lambda quick: douyin_bench.run(quick)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one run each (smoke run)")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated: " + ", ".join(BENCHES))
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--write", action="store_true", help="with --quick: write RESULTS.md anyway")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    write = not args.no_write and (not args.quick or args.write)
    failed = []
    started = time.perf_counter()
    for name in chosen:
        module, run = BENCHES[name]
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        try:
            text = module.report(run(args.quick))
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        print(text, flush=True)
        print(f"== {name}: {time.perf_counter() - began:.0f} s", flush=True)
        if write:
            write_section(module.SECTION, text)
    print(f"all benchmarks: {time.perf_counter() - started:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
