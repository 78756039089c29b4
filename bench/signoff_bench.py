"""Reading sign-off history for a large content repo: one pass, compared with its floor.

    python -m bench.signoff_bench [--n 10000] [--no-write]

1. Builds (not timed) a git repo with `n` items through `git fast-import`: one commit adding every
   item by the editorial office, then three commits per item, each adding one sign-off line as
   the registered reviewer (3n + 1 commits, 4n versions of index.md).
2. Times `publisher.content.history.read_history` over the whole repo in a fresh interpreter
   (what every sync and `check` pays on top of loading the items).
3. The floor, same run: `git log --raw` over the same history alone (the one pass it cannot avoid).
   For scale, one `git log` per item (the design it replaces) is timed on 200 items and scaled.
Writes the section "## Sign-off history (issue 11)" of bench/RESULTS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import machine, now_text, run_measured

HERE = Path(__file__).resolve().parent
SECTION = "## Sign-off history (issue 11)"
PEOPLE = (("初审", "周敏", "zhoumin@bjdata.example.cn"), ("复审", "陈立群", "chenliqun@bjdata.example.cn"),
          ("终审", "刘振华", "liuzhenhua@bjdata.example.cn"))
MATRIX = """timezone = "Asia/Shanghai"

[[accounts]]
id = "portal"
name = "门户网站"
channel = "site"

[review]
stages = ["初审", "复审", "终审"]
""" + "".join(f'\n[[review.reviewers]]\nname = "{name}"\nemail = "{email}"\nstages = ["{stage}"]\n'
              for stage, name, email in PEOPLE)


def _item(n: int, lines: int) -> bytes:
    review = "".join(f'  - stage: {stage}\n    by: {name}\n    at: "2026-11-0{1 + i} 10:00"\n'
                     for i, (stage, name, _e) in enumerate(PEOPLE[:lines]))
    return (f"---\ntitle: 第{n}号稿件：数据工作推进会召开\nauthor: 市数据局\ndepartment: 办公室\n"
            f"publish_at: 2026-11-10 09:00\n" + (f"review:\n{review}" if review else "") +
            f"---\n\n会议部署了第 {n} 项重点任务，要求各单位抓好落实。\n").encode()


def build(root: Path, n: int) -> None:
    if (root / ".complete").exists() and (root / ".complete").read_text() == str(n):
        return
    subprocess.run(["rm", "-rf", str(root)], check=True)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    chunks: list[bytes] = []
    mark = 0
    stamp = 1_790_000_000

    def commit(who: tuple[str, str], message: str, files: list[tuple[str, bytes]]) -> None:
        nonlocal mark, stamp
        mark += 1
        stamp += 60
        msg = message.encode()
        head = (f"commit refs/heads/main\nmark :{mark}\nauthor {who[0]} <{who[1]}> {stamp} +0800\n"
                f"committer {who[0]} <{who[1]}> {stamp} +0800\ndata {len(msg)}\n").encode() + msg + b"\n"
        if mark > 1:
            head += f"from :{mark - 1}\n".encode()
        chunks.append(head)
        for path, data in files:
            chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    files = [("publisher.toml", MATRIX.encode())]
    files += [(f"items/2026/11/item-{i:05d}/index.md", _item(i, 0)) for i in range(n)]
    commit(("编辑部", "editors@bjdata.example.cn"), "初稿", files)
    for i in range(n):
        for lines, (_stage, name, email) in enumerate(PEOPLE, start=1):
            commit((name, email), f"签发 {i}", [(f"items/2026/11/item-{i:05d}/index.md", _item(i, lines))])
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(chunks), check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], check=True)
    (root / ".complete").write_text(str(n))


def _inner(root: str, what: str) -> None:
    """Run in a fresh interpreter: read every item's trail (and make sure all were found)."""
    from publisher.content.history import read_history

    started = time.perf_counter()
    history = read_history(Path(root))
    read = time.perf_counter() - started
    assert history is not None
    signed = sum(len(t.events) for t in history.trails.values())
    assert signed == 3 * len(history.trails), signed
    print(f"trails {len(history.trails)} read {read:.2f} s")


def run(n: int, write: bool = True) -> dict:
    root = HERE / "_corpus" / f"signoff-{n}"
    started = time.perf_counter()
    build(root, n)
    print(f"repo: {n} items, {3 * n + 1} commits ({time.perf_counter() - started:.1f} s to build or reuse)", flush=True)
    py = sys.executable
    rows = {
        "floor": run_measured("floor: git log --raw (one pass)", ["git", "-C", str(root), "log", "--raw", "--no-abbrev",
                                                                    "--no-renames", "--format=%H", "--", "items/"]),
        "history": run_measured("read_history (one pass + cat-file)", [py, "-m", "bench.signoff_bench", "--inner",
                                                                        str(root), "history"]),
    }
    ids = [f"items/2026/11/item-{i:05d}" for i in range(min(200, n))]
    started = time.perf_counter()
    for path in ids:
        subprocess.run(["git", "-C", str(root), "log", "--format=%H %ae", "--", path], capture_output=True, check=True)
    per_item = (time.perf_counter() - started) / len(ids)
    for row in rows.values():
        print(f"  {row.label:<42} {row.seconds:7.2f} s wall {row.cpu_seconds:7.2f} s CPU {row.peak_mb:6.0f} MB", flush=True)
        assert row.code == 0, row.tail
    print(f"  one git log per item (measured on {len(ids)}): {per_item * 1000:.1f} ms each → {per_item * n:.1f} s for {n}")
    if write:
        _write(n, rows, per_item)
    return {"rows": rows, "per_item": per_item}


def _write(n: int, rows: dict, per_item: float) -> None:
    info = machine()
    table = "\n".join(f"| {r.label} | {r.seconds:.2f} | {r.cpu_seconds:.2f} | {r.peak_mb:.0f} |" for r in rows.values())
    text = (f"{SECTION}\n\nMeasured {now_text()} on {info.get('cpu', '?')} ({info.get('nproc', '?')} CPUs), "
            f"`python -m bench.signoff_bench --n {n}`: {n} items, {3 * n + 1} commits (each item added, then "
            f"three sign-off commits by three reviewers).\n\n| run | wall s | CPU s | peak MB |\n|---|---|---|---|\n"
            f"{table}\n| one `git log` per item (design replaced), scaled from 200 items | {per_item * n:.2f} | | |\n")
    results = HERE / "RESULTS.md"
    current = results.read_text(encoding="utf-8")
    if SECTION in current:
        start = current.index(SECTION)
        end = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[end + 1 :] if end != -1 else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    results.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--inner", nargs=2)
    args = parser.parse_args()
    if args.inner:
        _inner(*args.inner)
        return
    run(args.n, write=not args.no_write)


if __name__ == "__main__":
    main()
