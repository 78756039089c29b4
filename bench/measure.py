"""How every benchmark here measures: subprocess wall time, CPU time and peak memory, repeated.

The machine is shared (2 CPUs, other engineers' test suites running), so:
- every figure is compared with a peer or a floor measured in the same run, on the same machine;
- each command runs several times; the table shows the fastest run (least disturbed) and the
  median, and the load average before and after is written next to the table;
- CPU seconds (user + system, the whole process tree) are reported too: they move far less with
  load than wall time does. They are the larger of what `wait4` reports for the command (itself
  plus the descendants it waited for) and the sum over every process seen in its tree (sampled
  from /proc every 50 ms): a pool worker that is killed, or orphaned, is never waited for by
  the command, and `wait4` alone then showed 2.7 CPU s for a build that forked two busy workers;
- every run records the 1-minute load average before and after it (`Run.load`), shown per row.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"


@dataclass
class Run:
    label: str
    seconds: float
    peak_mb: float = 0.0  # largest single process (VmHWM)
    tree_mb: float = 0.0  # all processes of the run at once (sampled VmRSS sum)
    cpu_seconds: float = 0.0
    code: int = 0
    tail: str = ""
    note: str = ""
    load_before: float = 0.0  # 1-minute load average when the run started
    load_after: float = 0.0

    @property
    def load(self) -> str:
        return f"{self.load_before:.1f}→{self.load_after:.1f}"


@dataclass
class Repeated:
    """Several runs of one command: the fastest and the median wall time."""

    label: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def best(self) -> Run:
        return min(self.runs, key=lambda r: r.seconds)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(max(r.tree_mb, r.peak_mb) for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def load(self) -> str:
        """The machine load (1-minute average) each run ran under, "before→after"."""
        return ", ".join(r.load for r in self.runs)


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": model, "python": platform.python_version(), "load": load()}


def load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def now_text() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _tree_memory_kb(root_pid: int, cpu: dict[tuple[int, str], int] | None = None) -> tuple[int, int]:
    """(current RSS summed over root_pid and its descendants, largest VmHWM among them), from
    /proc: ru_maxrss is inherited across fork, VmHWM belongs to each process's own life.
    With `cpu`, each process's own user + system clock ticks so far are stored in it, keyed by
    (pid, start time) so a reused pid is a new process."""
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
            if cpu is not None:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                # after "(comm)": state is field 3, utime 14, stime 15, starttime 22 (1-based)
                cpu[(pid, fields[19])] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        total += int(fields.get("VmRSS", "0 kB").split()[0])
        largest = max(largest, int(fields.get("VmHWM", "0 kB").split()[0]))
    return total, largest


def run_measured(label: str, command: list[str], *, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run a command to its end: wall time, peak memory (sampled every 50 ms), CPU time of the
    whole process tree, and the load average before and after."""
    load_before = os.getloadavg()[0]
    cpu_ticks: dict[tuple[int, str], int] = {}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
                               env={**os.environ, **(env or {})})
    peak_tree = peak_single = 0
    done = threading.Event()
    output: list[bytes] = []

    def sample() -> None:
        nonlocal peak_tree, peak_single
        while not done.is_set():
            total, largest = _tree_memory_kb(process.pid, cpu_ticks)
            peak_tree, peak_single = max(peak_tree, total), max(peak_single, largest)
            done.wait(0.05)

    def drain() -> None:
        assert process.stdout is not None
        output.append(process.stdout.read())

    threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=drain, daemon=True)]
    for thread in threads:
        thread.start()
    # Wait without reaping, so the peak can still be read at the very end.
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    seconds = time.perf_counter() - started
    done.set()
    threads[0].join()
    total, largest = _tree_memory_kb(process.pid, cpu_ticks)
    peak_tree, peak_single = max(peak_tree, total), max(peak_single, largest)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    threads[1].join()
    tail = "\n".join(b"".join(output).decode("utf-8", "replace").strip().splitlines()[-3:])
    cpu = max(usage.ru_utime + usage.ru_stime, sum(cpu_ticks.values()) / CLOCK_TICKS)
    return Run(label, seconds, peak_single / 1024, peak_tree / 1024, cpu, process.returncode, tail,
               load_before=load_before, load_after=os.getloadavg()[0])


def repeat(label: str, command: list[str], times: int, *, before: Callable[[], None] | None = None,
           cwd: Path | None = None, env: dict | None = None, check: bool = True) -> Repeated:
    """`times` runs of one command; `before()` resets the state each run starts from (untimed)."""
    result = Repeated(label)
    for _ in range(times):
        if before is not None:
            before()
        run = run_measured(label, command, cwd=cwd, env=env)
        if check and run.code != 0:
            raise RuntimeError(f"{label} failed (exit {run.code}): {' '.join(command)}\n{run.tail}")
        result.runs.append(run)
        print(f"  {label:<48} {run.seconds:7.2f} s wall {run.cpu_seconds:7.2f} s CPU "
              f"{max(run.tree_mb, run.peak_mb):6.0f} MB", flush=True)
    return result


def timed(function: Callable[[], object], times: int) -> list[float]:
    """Wall times of `times` in-process calls (for small, CPU-bound work)."""
    out = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        out.append(time.perf_counter() - started)
    return out


def header(title: str, info: dict[str, str], command: str, load_after: str, extra: str = "") -> str:
    return (
        f"{title}\n\n"
        f"- Date: {now_text()}\n"
        f"- Machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}\n"
        f"- Load average (1, 5, 15 min) at start {info['load']}, at end {load_after}: the machine is "
        "shared with other engineers' test suites, so wall times carry noise; each row is the "
        "fastest of its runs (median beside it), and every ratio compares figures from this same run\n"
        f"- Reproduce: `{command}`\n{extra}"
    )


def write_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section starting with `heading` in RESULTS.md; others stay."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if heading in old:
        before, rest = old.split(heading, 1)
        after = rest.split("\n## ", 1)
        tail = "\n## " + after[1] if len(after) > 1 else ""
        new = before + text.rstrip() + "\n" + tail
    else:
        new = old.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(new, encoding="utf-8")
