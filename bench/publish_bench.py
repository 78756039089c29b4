"""Publishing through Celery: throughput against raw Celery, and dispatch lateness.

    python -m bench.publish_bench [--quick]

Setup (all on 127.0.0.1, made and torn down here): a real redis-server on a free port (the
tests' `RedisServer`), both channel sandboxes in their own process with an arrival log
(`bench.arrivals`), two `celery worker` processes (prefork, concurrency 2 each, `-A
bench.celery_app`: the real tasks plus a no-op), a ledger shared by all — SQLite (WAL, the default
`synchronous=FULL`) and then PostgreSQL (`tests/pg_server.py`, started here) — and the dispatcher
(tick + poll) in this process.

1. Raw Celery: N no-op tasks sent, time until all ran (each increments a Redis counter).
2. Weibo: N items due now, one `statuses/share` call each; time from the first tick until every row
   is `published` (ticks every `tick_seconds`, as beat does; progress read every 0.1 s). WeChat the same (token, image upload, draft, submit; then the status poll).
   Both on SQLite, then both on PostgreSQL; every ratio is to the no-op rate of this same run.
3. Lateness: 1,000 Weibo publications all due at the same second T; the dispatcher ticks every
   `tick_seconds` (default 2 s) from well before T, as Celery beat would; lateness = arrival of
   the share request at the sandbox − T, per publication (p50/p95/p99/max).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.measure import CLOCK_TICKS, HERE, header, load, machine, write_section

DATABASES = ("sqlite", "postgresql")

REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
from publish_fixtures import SECRET_ENV, RedisServer, item_text, write_content  # noqa: E402

PUBLISH_AT = re.compile(r"^publish_at: .*$", re.MULTILINE)
WARM_UP = 8  # publications before the measured ones, so the workers are warm
SECTION = "## Publishing throughput and dispatch lateness (issue 6/7)"


class CpuMeter:
    """CPU seconds (user + system) of every process of the bench: this one (the dispatcher), its
    children and theirs (Celery workers and their pool processes, the sandbox process,
    redis-server) and the PostgreSQL server, which `pg_ctl` daemonises out of our tree (found by
    the postmaster pid in its data folder). A process that ends keeps its last sample, so
    `seconds()` only grows.

    Finding the tree means reading every process's /proc/PID/stat (this kernel has no
    /proc/PID/task/TID/children): ≈9 ms of CPU with 200 processes on the machine, which every
    50 ms was ≈0.2 of a core spent by the meter itself, counted in the figures and taken from
    the workers it measures (issue 17). So the tree is found afresh at every `seconds()` (the
    ends of a measured span) and every `RESCAN` s; in between only the processes already known
    are read, every `EVERY` s. The bench's processes live from before a span until after it, so
    nothing is missed; a process that started and ended between two scans would be."""

    EVERY = 0.25
    RESCAN = 2.0

    def __init__(self, extra_roots) -> None:
        self.extra_roots = extra_roots  # () -> pids whose trees count too
        self.ticks: dict[tuple[int, str], int] = {}
        self.known: set[int] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        scanned = 0.0
        while not self.stop.is_set():
            if time.monotonic() - scanned >= self.RESCAN:
                self.sample()
                scanned = time.monotonic()
            else:
                self._read(self.known)
            self.stop.wait(self.EVERY)

    @staticmethod
    def _stat(path: str) -> list[str] | None:
        try:
            return Path(path, "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None

    def _read(self, pids) -> None:
        stats = {pid: self._stat(f"/proc/{pid}") for pid in pids}
        self._keep({pid: fields for pid, fields in stats.items() if fields is not None})

    def _keep(self, stats: dict[int, list[str]]) -> None:
        with self.lock:
            for pid, fields in stats.items():
                # after "(comm)": utime, stime, starttime (1-based 14, 15, 22)
                self.ticks[(pid, fields[19])] = int(fields[11]) + int(fields[12])

    def sample(self) -> None:
        """Find the whole tree afresh and read every process of it."""
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            fields = self._stat(entry.path)
            if fields is None:
                continue
            pid = int(entry.name)
            parents[pid], stats[pid] = int(fields[1]), fields
        tree = {os.getpid(), *self.extra_roots()}
        frontier = list(tree)
        children: dict[int, list[int]] = {}
        for pid, ppid in parents.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in tree:
                    tree.add(child)
                    frontier.append(child)
        self.known = {pid for pid in tree if pid in stats}
        self._keep({pid: stats[pid] for pid in self.known})

    def seconds(self) -> float:
        self.sample()
        with self.lock:
            return sum(self.ticks.values()) / CLOCK_TICKS

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


class Span:
    """The load (1 min) before → after a row's measured interval and the CPU seconds all
    processes spent in it. `start()` again moves the start (after untimed set-up)."""

    def __init__(self, meter: CpuMeter | None) -> None:
        self.meter = meter
        self.start()

    def start(self) -> None:
        self.load_before = os.getloadavg()[0]
        self.cpu_before = self.meter.seconds() if self.meter else 0.0

    def end(self, out: dict, key: str) -> None:
        out[f"load-{key}"] = f"{self.load_before:.1f} → {os.getloadavg()[0]:.1f}"
        out[f"cpu-{key}"] = (self.meter.seconds() if self.meter else 0.0) - self.cpu_before


@dataclass
class Bench:
    tmp: Path
    redis: RedisServer
    sandbox_url: str
    sandbox: subprocess.Popen
    pg: object | None = None  # tests/pg_server.PostgresServer, started on first use
    workers: list[subprocess.Popen] = field(default_factory=list)
    database_url: str | None = None  # None: a fresh SQLite file per phase

    def new_ledger(self, database: str) -> None:
        """An empty ledger for the next phase: a new SQLite file or a new PostgreSQL database."""
        db = self.tmp / "ledger.sqlite3"
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
        if database == "sqlite":
            self.database_url = f"sqlite:///{db}"
        else:
            if self.pg is None:
                from pg_server import PostgresServer

                self.pg = PostgresServer().start()
            self.database_url = self.pg.create_database("bench")

    def env(self, content: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")}
        env.update(SECRET_ENV)
        env.update({
            "PUBLISHER_BROKER_URL": self.redis.url,
            "PUBLISHER_DATABASE_URL": self.database_url or f"sqlite:///{self.tmp / 'ledger.sqlite3'}",
            "PUBLISHER_STATE_DIR": str(self.tmp / "state"),
            "PUBLISHER_CONTENT_DIR": str(content),
            "PUBLISHER_EXECUTOR": "celery",
            "PUBLISHER_QUOTAS": json.dumps({"wechat": {"per_day": 0}}),
            "PUBLISHER_CLAIM_LIMIT": "100000",
            # Items due minutes before the fresh ledger: an office's day, not history to adopt.
            "PUBLISHER_CATCH_UP_MINUTES": "60",
            "PYTHONPATH": str(REPO),
        })
        return env

    def start_workers(self, content: Path) -> None:
        for index in (1, 2):
            log = open(self.tmp / f"worker-{index}.log", "wb")  # noqa: SIM115 - kept by Popen
            self.workers.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "bench.celery_app", "worker", "--pool", "prefork",
                 "--concurrency", "2", "--loglevel", os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"), "-n", f"bench{index}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=self.tmp, env=self.env(content), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            ))

    def stop_workers(self) -> None:
        for process in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
        for process in self.workers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=5)
        self.workers.clear()

    def server_roots(self) -> list[int]:
        """The PostgreSQL postmaster (daemonised by pg_ctl: not our child), when one runs."""
        if self.pg is None or getattr(self.pg, "folder", None) is None:
            return []
        try:
            return [int((self.pg.data / "postmaster.pid").read_text().split()[0])]
        except (OSError, ValueError, IndexError):
            return []

    def reset_sandbox(self) -> None:
        requests.post(f"{self.sandbox_url}/_bench/reset", timeout=30).raise_for_status()

    def arrivals(self) -> list[tuple[float, str, str]]:
        return requests.get(f"{self.sandbox_url}/_bench/arrivals", timeout=30).json()


@contextlib.contextmanager
def bench_env() -> Iterator[Bench]:
    tmp = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    redis = RedisServer(tmp / "redis").start()
    url_file = tmp / "sandbox.url"
    sandbox = subprocess.Popen([sys.executable, "-m", "bench.arrivals", str(url_file)], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bench: Bench | None = None
    try:
        deadline = time.monotonic() + 30
        while not url_file.exists() or not url_file.read_text():
            if time.monotonic() > deadline or sandbox.poll() is not None:
                raise RuntimeError("sandbox did not start")
            time.sleep(0.05)
        bench = Bench(tmp, redis, url_file.read_text(), sandbox)
        yield bench
    finally:
        if bench is not None:  # also when a measurement failed: no worker may outlive the bench
            bench.stop_workers()
            if bench.pg is not None:
                bench.pg.destroy()
        sandbox.terminate()
        sandbox.wait(timeout=10)
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _apply(env: dict[str, str]) -> None:
    for key in [k for k in os.environ if k.startswith("PUBLISHER_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("PUBLISHER_")})


def _wait_workers(app, count: int = 2, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise RuntimeError("Celery workers did not come up")


def raw_celery(bench: Bench, n: int) -> float:
    """No-op tasks per second through the same broker and workers."""
    import redis as redis_lib

    from bench.celery_app import COUNTER, NOOP_TASK, app

    client = redis_lib.Redis.from_url(bench.redis.url)
    client.delete(COUNTER)
    started = time.perf_counter()
    for _ in range(n):
        app.send_task(NOOP_TASK)
    while int(client.get(COUNTER) or 0) < n:
        time.sleep(0.01)
    return n / (time.perf_counter() - started)


def _runtime():
    from publisher.runtime.context import SchedulingSettings, open_runtime
    from publisher.settings import Settings
    from workers.app import create_app
    from workers.executor import CeleryExecutor

    settings, scheduling = Settings(), SchedulingSettings()
    runtime = open_runtime(settings, shared="redis", scheduling=scheduling)
    return runtime, CeleryExecutor(create_app(settings, scheduling))


def _published(runtime) -> int:
    """Rows published so far; a row that ended any other way stops the benchmark (no faults are
    injected, so it is a bug or a misconfiguration, not a figure). One COUNT per state, not every
    row read back: the dispatcher process shares the 2 CPUs with what it measures."""
    from sqlalchemy import func, select

    from publisher.ledger import State
    from publisher.ledger.schema import publications as table

    ended = (State.PUBLISHED, State.FAILED, State.UNCONFIRMED)
    with runtime.ledger.engine.connect() as conn:
        counts = dict(conn.execute(select(table.c.state, func.count()).where(
            table.c.state.in_([s.value for s in ended])).group_by(table.c.state)).all())
    if sum(counts.values()) != counts.get(State.PUBLISHED.value, 0):
        bad = runtime.ledger.publications(state=[State.FAILED, State.UNCONFIRMED])
        raise RuntimeError(f"{len(bad)} publications did not publish, e.g. {bad[0].id}: "
                           f"{bad[0].state.value} {getattr(bad[0], 'last_error_message', '')}")
    return counts.get(State.PUBLISHED.value, 0)


def publications(bench: Bench, content: Path, channel: str, n: int, timeout: float, span: Span | None = None) -> float:
    """Publications per second for `n` items due now on one channel (dispatcher in this process)."""
    from publisher.schedule.dispatcher import poll, tick
    from publisher.schedule.sync import sync

    write_content(content, n, bench.sandbox_url, channels=(channel,),
                  publish_at=datetime.now(UTC) - timedelta(minutes=5))
    runtime, executor = _runtime()
    report = sync(content, runtime.ledger, runtime.settings)
    assert report.plan.count("create") == n, report.plan.entries[:3]
    if span is not None:
        span.start()  # what is measured: from the first tick until every row is published
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    ticked = -1e9
    while True:
        # Ticks at the interval Celery beat ticks at (the first claims every row); ticking 10 times
        # a second only added dispatcher transactions to the database lock being measured.
        if time.monotonic() - ticked >= runtime.settings.tick_seconds:
            ticked = time.monotonic()
            tick(runtime, executor)
        if channel == "wechat":
            poll(runtime, force=True)
        done = _published(runtime)
        if done >= n:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{channel}: only {done}/{n} published after {timeout} s")
        time.sleep(0.1)
    return n / (time.perf_counter() - started)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _move_to(runtime, ids: list[int], due: datetime) -> None:
    """Bench only: the planned rows' due time, set directly (the dispatcher reads nothing else)."""
    from sqlalchemy import update

    from publisher.ledger.schema import publications as table

    with runtime.ledger.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id.in_(ids)).values(scheduled_at=due))


def lateness(bench: Bench, content: Path, n: int, lead: float, span: Span | None = None) -> dict:
    """Seconds from the common due time to each share request's arrival at the sandbox."""
    from publisher.schedule.dispatcher import tick
    from publisher.schedule.sync import sync

    # Planned a day ahead, then moved to the measured second once planned: a sync slowed down by
    # a loaded machine must not eat the lead (it once planned rows 107 s after they were due).
    planned = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    ids = write_content(content, n + WARM_UP, bench.sandbox_url, channels=("weibo",), publish_at=planned)
    # Long-lived workers are warm: the first WARM_UP items are due now, so each worker process has
    # opened its ledger, Redis and HTTP connections before the measured ones come due.
    past = datetime.now(UTC) - timedelta(minutes=5)
    for index, item_id in enumerate(ids):
        path = content / "items" / item_id / "index.md"
        text = item_text(index, past) if index < WARM_UP else path.read_text(encoding="utf-8")
        # The fixture writes minutes; the due second itself is what lateness is measured from.
        moment = past if index < WARM_UP else planned
        path.write_text(PUBLISH_AT.sub(f'publish_at: "{moment.isoformat()}"', text, count=1), encoding="utf-8")
    runtime, executor = _runtime()
    report = sync(content, runtime.ledger, runtime.settings)
    assert report.plan.count("create") == len(ids)
    measured = [r.id for r in runtime.ledger.publications(account_id="wb-main") if r.item_id not in ids[:WARM_UP]]
    due = (datetime.now(UTC) + timedelta(seconds=lead + 1)).replace(microsecond=0)
    _move_to(runtime, measured, due)
    rows = {f"pub-{r.id}": _aware(r.scheduled_at) for r in runtime.ledger.publications(account_id="wb-main")
            if r.item_id not in ids[:WARM_UP]}
    assert set(rows.values()) == {due}, set(rows.values())
    interval = runtime.settings.tick_seconds
    print(f"  lateness: planned {n} rows, {due.timestamp() - time.time():.1f} s before they are due", flush=True)
    if span is not None:
        span.start()  # from the first tick (the planning above is not measured)
    deadline = time.monotonic() + lead + 300
    while _published(runtime) < n + WARM_UP and time.monotonic() < deadline:
        tick(runtime, executor)  # what Celery beat does every tick_seconds
        time.sleep(interval)
    arrived = {key: at for at, path, key in bench.arrivals() if path.endswith("statuses/share.json")}
    late = sorted(arrived[k] - rows[k].timestamp() for k in rows if k in arrived)
    if len(late) < n:
        raise RuntimeError(f"only {len(late)}/{n} publications reached the sandbox")
    if late[0] < 0:  # the rule behind any work done ahead (docs/ledger.md): never send early
        raise RuntimeError(f"a publication reached the channel {-late[0]:.3f} s before it was due")

    def pct(p: float, values: list[float] | None = None) -> float:
        values = late if values is None else values
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    stages = _stages(runtime, rows, arrived)
    return {"n": n, "tick": interval, "p50": pct(50), "p95": pct(95), "p99": pct(99),
            "max": late[-1], "min": late[0], "mean": statistics.fmean(late),
            "stages": {name: (pct(50, values), pct(99, values)) for name, values in stages.items()}}


def _stages(runtime, rows: dict[str, datetime], arrived: dict[str, float]) -> dict[str, list[float]]:
    """Where the lateness goes, per publication, from the audit trail: due → the worker starts it
    (dispatcher, broker, a free worker), start → its intent mark is written (the start's commit,
    version, render, quota), intent → the request arrives at the channel (the intent's commit,
    HTTP). Audit times are taken when each write begins. Sorted lists."""
    from sqlalchemy import select

    from publisher.ledger.schema import audit_log

    ids = {int(key.removeprefix("pub-")): key for key in rows}
    started: dict[int, float] = {}
    intent: dict[int, float] = {}
    with runtime.ledger.engine.connect() as conn:
        for pid, event, at, detail in conn.execute(
                select(audit_log.c.publication_id, audit_log.c.event, audit_log.c.at, audit_log.c.detail)
                .where(audit_log.c.event.in_(["start", "phase"]))):
            if pid not in ids:
                continue
            moment = _aware(at).timestamp()
            if event == "start":
                started[pid] = moment
            elif (detail or {}).get("phase") == "sharing":
                intent[pid] = moment
    out: dict[str, list[float]] = {"due → started": [], "started → intent": [], "intent → arrived": []}
    for pid, key in ids.items():
        if pid in started and pid in intent and key in arrived:
            due = rows[key].timestamp()
            out["due → started"].append(started[pid] - due)
            out["started → intent"].append(intent[pid] - started[pid])
            out["intent → arrived"].append(arrived[key] - intent[pid])
    return {name: sorted(values) for name, values in out.items() if values}


def run(quick: bool = False, sizes: tuple[int, int, int, int] | None = None, lead: float | None = None) -> dict:
    """`sizes`: (no-op tasks, Weibo items, WeChat items, lateness items); `lead`: seconds between
    planning the lateness batch and its due time (ticks run from the start, as beat would)."""
    info = machine()
    n_raw, n_weibo, n_wechat, n_late = sizes or ((200, 50, 20, 100) if quick else (2000, 600, 200, 1000))
    out: dict = {"info": info, "quick": quick}
    saved_env = dict(os.environ)  # _apply rewrites PUBLISHER_*; the caller's process gets it back
    try:
        _measure(out, n_raw, n_weibo, n_wechat, n_late, quick, lead)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    out["n_raw"] = n_raw
    out["load_after"] = load()
    return out


def _measure(out: dict, n_raw: int, n_weibo: int, n_wechat: int, n_late: int, quick: bool, lead: float | None) -> None:
    with bench_env() as bench:
        meter = CpuMeter(bench.server_roots)
        try:
            _measure_in(bench, meter, out, n_raw, n_weibo, n_wechat, n_late, quick, lead)
        finally:
            meter.close()


def _measure_in(bench: Bench, meter: CpuMeter, out: dict, n_raw: int, n_weibo: int, n_wechat: int, n_late: int,
                quick: bool, lead: float | None) -> None:
    _apply(bench.env(bench.tmp / "content"))  # before the Celery app reads its settings
    from bench.celery_app import app

    for database in DATABASES:
        for channel, n in (("weibo", n_weibo), ("wechat", n_wechat)):
            content = bench.tmp / f"content-{database}-{channel}"
            bench.new_ledger(database)
            _apply(bench.env(content))
            bench.reset_sandbox()
            bench.start_workers(content)
            _wait_workers(app)
            if "raw" not in out:
                span = Span(meter)
                out["raw"] = max(raw_celery(bench, n_raw) for _ in range(2))
                span.end(out, "raw")
                print(f"  raw Celery no-op: {out['raw']:.0f}/s", flush=True)
            span = Span(meter)
            out[f"{database}-{channel}"] = publications(bench, content, channel, n, timeout=600, span=span)
            span.end(out, f"{database}-{channel}")
            out[f"n_{channel}"] = n
            print(f"  {channel} on {database}: {out[f'{database}-{channel}']:.1f} publications/s", flush=True)
            bench.stop_workers()
    content = bench.tmp / "content-late"
    bench.new_ledger("sqlite")
    _apply(bench.env(content))
    bench.reset_sandbox()
    bench.start_workers(content)
    _wait_workers(app)
    span = Span(meter)
    out["late"] = lateness(bench, content, n_late, lead=lead or (10 if quick else 20), span=span)
    span.end(out, "late")
    print(f"  lateness: {out['late']}", flush=True)


# Issue 17's goals, each a ratio to the raw Celery no-op rate of the same run.
GOALS = {"weibo": 0.5, "wechat": 0.25}
LATE_P99_GOAL = 2.0


def report(result: dict) -> str:
    raw, late = result["raw"], result["late"]
    lines = [
        header(SECTION, result["info"], "python -m bench.publish_bench" + (" --quick" if result["quick"] else ""),
               result["load_after"],
               "- Setup: redis-server on a free port, both sandboxes in their own process, two `celery worker` "
               "processes (prefork, concurrency 2 each), the ledger shared by all (SQLite in WAL mode with "
               "`synchronous=FULL`, then PostgreSQL started by `tests/pg_server.py`, fsync off), dispatcher "
               "in the bench process; no faults. CPU s: user + system of every process of the run (this one, "
               "the workers and their pool, the sandbox, redis-server, PostgreSQL), sampled from /proc; "
               "the raw row's CPU covers its two runs\n"),
    ]
    for channel, goal in GOALS.items():
        for database in DATABASES:
            rate = result[f"{database}-{channel}"]
            lines.append(f"- Goal: {channel} on {database} ≥ {goal}× the raw Celery rate — {rate:.1f}/s vs "
                         f"{raw:.0f}/s ({rate / raw:.2f}×): **{'met' if rate >= goal * raw else 'not met'}**")
    lines += [
        f"- Goal: lateness p99 ≤ {LATE_P99_GOAL:g} s with the default tick ({late['tick']:.0f} s) — p99 "
        f"{late['p99']:.2f} s: **{'met' if late['p99'] <= LATE_P99_GOAL else 'not met'}**\n",
        "| run | ledger | count | per second | ÷ raw Celery | CPU s, all processes | CPU ms per item "
        "| load (1 min) before → after |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| raw Celery no-op tasks (best of 2) | — | {result['n_raw']} | {raw:.0f} | 1.00× | "
        f"{result['cpu-raw']:.1f} | {1000 * result['cpu-raw'] / (2 * result['n_raw']):.2f} | {result['load-raw']} |",
    ]
    what = {"weibo": "Weibo publications (1 API call each)",
            "wechat": "WeChat publications (token, upload, draft, submit, status poll)"}
    for channel in GOALS:
        for database in DATABASES:
            rate = result[f"{database}-{channel}"]
            n, cpu = result[f"n_{channel}"], result[f"cpu-{database}-{channel}"]
            lines.append(f"| {what[channel]} | {database} | {n} | {rate:.1f} | {rate / raw:.2f}× | {cpu:.1f} | "
                         f"{1000 * cpu / n:.1f} | {result[f'load-{database}-{channel}']} |")
    lines += [
        "",
        f"Lateness of {late['n']} Weibo publications due at the same second (arrival at the channel − due time, "
        f"SQLite ledger, load {result['load-late']}, {result['cpu-late']:.1f} CPU s all processes): "
        f"min {late['min']:.2f} s, p50 {late['p50']:.2f} s, p95 {late['p95']:.2f} s, p99 {late['p99']:.2f} s, "
        f"max {late['max']:.2f} s, mean {late['mean']:.2f} s. Where it goes (p50 / p99, from the audit trail): "
        + "; ".join(f"{name} {p50:.2f} / {p99:.2f} s" for name, (p50, p99) in late.get("stages", {}).items()) + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publish_bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    text = report(run(args.quick))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
