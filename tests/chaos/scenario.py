"""One full chaos run: the cluster, the faults, the monkey, the operator, the verdict.

    result = run_chaos(ChaosOptions(ledger="sqlite"))

The monkey (this process) SIGKILLs a random worker every few seconds and starts a replacement,
SIGKILLs and restarts Redis (no persistence: every queued message is lost) and beat. Beat drives
the dispatcher tick and the status poll inside the workers, as in production. The operator
(`operator_desk`) unblocks paused accounts during the run and reconciles at the end.

The run never restarts a process it did not kill: a worker or beat that exits by itself (as
workers did on a Redis restart, issue 13) is counted, shown with its last log line, and fails the
verdict. When no worker or no beat is left, the chaos phase stops there.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.chaos.content import make_accounts, write_chaos_content
from tests.chaos.operator_desk import OperatorDesk
from tests.chaos.verdict import Verdict, judge
from tests.e2e.cluster import Cluster, start_unlimited_sandbox
from tests.publish_fixtures import RedisServer

OPEN = ("scheduled", "queued", "publishing")
PG_ADMIN_URL = None  # None: the run starts its own PostgreSQL server (tests/pg_server.py)


@dataclass
class ChaosOptions:
    ledger: str = "sqlite"  # sqlite | postgres
    items: int = 170
    wechat_accounts: int = 3
    weibo_accounts: int = 3
    workers: int = 3
    concurrency: int = 2
    kills: int = 20
    kill_every: tuple[float, float] = (4.0, 7.0)
    redis_restarts: int = 4
    beat_restarts: int = 1
    error_rate: float = 0.10
    timeout_rate: float = 0.05
    invalidations: int = 4  # token invalidations per channel (WeChat revoke, Weibo expiry)
    spread_minutes: int = 3
    seed: int = 20261201
    timeout: float = 900.0
    pg_admin_url: str | None = PG_ADMIN_URL
    keep: bool = False
    folder: Path | None = None


@dataclass
class ChaosResult:
    options: ChaosOptions
    verdict: Verdict
    publications: int
    accounts: int
    kills: int
    redis_restarts: int
    beat_restarts: int
    faults: dict[str, int]
    operator: dict[str, int]
    seconds: float
    settle_seconds: float
    lateness: dict[str, float]
    folder: str
    notes: list[str] = field(default_factory=list)
    self_exits: list[str] = field(default_factory=list)  # workers/beat gone without being killed


def _faults(options: ChaosOptions, channel: str, quota_account: str | None) -> dict:
    rate = options.invalidations / max(1, options.items * 6)  # spread over the run
    return {
        "seed": options.seed + (0 if channel == "wechat" else 1),
        "error": {"rate": options.error_rate},
        "timeout": {"rate": options.timeout_rate, "seconds": 2.5},
        "invalidate_token": {"rate": rate, "times": options.invalidations},
        "quota_exhausted": [quota_account] if quota_account else [],
    }


def _create_pg_database(admin_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"chaos_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def sandbox_counters(url: str) -> dict[str, dict]:
    return {n: requests.get(f"{url}/{n}/_admin/counters", timeout=30).json() for n in ("wechat", "weibo")}


def run_chaos(options: ChaosOptions, say=print) -> ChaosResult:
    rng = random.Random(options.seed)
    tmp = Path(options.folder or tempfile.mkdtemp(prefix=f"chaos-{options.ledger}-"))
    tmp.mkdir(parents=True, exist_ok=True)
    accounts = make_accounts(options.wechat_accounts, options.weibo_accounts)
    pg_name = pg_server = None
    redis = RedisServer(tmp / "redis").start()
    sandbox = start_unlimited_sandbox(publish_delay_seconds=0.3)
    cluster = Cluster(tmp, redis, sandbox.url)
    try:
        if options.ledger == "postgres":
            if options.pg_admin_url is None:
                from tests.pg_server import PostgresServer

                pg_server = PostgresServer().start()
            admin_url = options.pg_admin_url or pg_server.admin_url()
            pg_name, cluster.database = _create_pg_database(admin_url)
        for account in accounts:
            cluster.secrets.update(account.secret_env)
        cluster.extra_env.update({
            "PUBLISHER_TASK_TIME_LIMIT": "15",
            "PUBLISHER_STALE_AFTER_SECONDS": "20",
            "PUBLISHER_QUEUED_STALE_SECONDS": "10",
            "PUBLISHER_BACKOFF_BASE_SECONDS": "0.5",
            "PUBLISHER_BACKOFF_MAX_SECONDS": "5",
            "PUBLISHER_MAX_ATTEMPTS": "12",
            "PUBLISHER_POLL_SECONDS": "1",
            "PUBLISHER_SYNC_SECONDS": "0",  # synced once by this process
            "PUBLISHER_TICK_SECONDS": "1",
            "PUBLISHER_USE_GIT": "false",
            # Items start at the current minute, up to a minute before the ledger exists: the run
            # is an office publishing today's items, not a new ledger meeting history (issue 13).
            "PUBLISHER_CATCH_UP_MINUTES": "10",
        })  # fmt: skip
        os.environ.update(cluster.env())
        os.chdir(tmp)

        from publisher.runtime.context import open_runtime

        runtime = open_runtime(shared="redis")
        ids = write_chaos_content(
            tmp / "content", options.items, accounts, sandbox.url,
            spread_minutes=options.spread_minutes, timeout=1.5,
        )  # fmt: skip
        from publisher.schedule.sync import sync

        report = sync(runtime.settings.content_dir, runtime.ledger, runtime.settings)
        total = len(runtime.ledger.publications())
        say(f"[{options.ledger}] {len(ids)} items × {len(accounts)} accounts: {total} publications planned "
            f"({report.plan.count('create')} created), folder {tmp}")  # fmt: skip
        quota_account = next(a.remote for a in accounts if a.channel == "wechat")
        for name in ("wechat", "weibo"):
            faults = _faults(options, name, quota_account if name == "wechat" else None)
            r = requests.post(f"{sandbox.url}/{name}/_admin/faults", data=json.dumps(faults), timeout=10)
            r.raise_for_status()

        desk = OperatorDesk(sandbox.url, {a.id: a for a in accounts})
        started, started_wall = time.monotonic(), utc_now()
        for _ in range(options.workers):
            cluster.start_worker(pool="prefork", concurrency=options.concurrency)
        cluster.start_beat()
        chaos = Counter()
        self_exits: list[str] = []
        states: Counter = Counter()
        redis_at = {round(options.kills * (k + 1) / (options.redis_restarts + 1)) for k in range(options.redis_restarts)}
        beat_at = {round(options.kills * (k + 1) / (options.beat_restarts + 1)) + 1 for k in range(options.beat_restarts)}
        next_kill = started + rng.uniform(*options.kill_every)
        next_look = started
        settled_at = None
        while True:
            now = time.monotonic()
            for gone in cluster.exited_by_themselves():  # never replaced: the run failed
                self_exits.append(gone.line())
                say(f"  !! {gone.line()}")
            if not cluster.workers or cluster.beat is None:
                say("  !! no worker or no beat left: the chaos phase stops here")
                settled_at = now
                break
            if chaos["kills"] < options.kills and now >= next_kill:
                cluster.kill_worker(rng.choice(cluster.workers))
                chaos["kills"] += 1
                if chaos["kills"] in redis_at:
                    redis.kill_and_restart(down_seconds=rng.uniform(0.2, 3.0))
                    chaos["redis_restarts"] += 1
                if chaos["kills"] in beat_at:
                    cluster.restart_beat()
                    chaos["beat_restarts"] += 1
                cluster.start_worker(pool="prefork", concurrency=options.concurrency)
                next_kill = now + rng.uniform(*options.kill_every)
            if now >= next_look:
                desk.tend()
                states = Counter(r.state.value for r in runtime.ledger.publications())
                open_rows = sum(states[s] for s in OPEN)
                say(f"  t={now - started:5.0f}s kills={chaos['kills']} redis={chaos['redis_restarts']} "
                    f"beat={chaos['beat_restarts']} {dict(sorted(states.items()))}")  # fmt: skip
                if open_rows == 0 and chaos["kills"] >= options.kills:
                    settled_at = now
                    break
                next_look = now + 3.0
            if now - started > options.timeout:
                raise TimeoutError(f"not settled after {options.timeout:.0f}s: {dict(states)}")
            time.sleep(0.2)
        settle_seconds = settled_at - started
        faults_seen = _faults_injected(sandbox.url)

        # The incident is over: faults off, then reconcile as an operator would.
        for name in ("wechat", "weibo"):
            requests.post(f"{sandbox.url}/{name}/_admin/faults",
                          data=json.dumps({"error": None, "timeout": None, "invalidate_token": None}), timeout=10)  # fmt: skip
        stranded = not cluster.workers or cluster.beat is None
        resolution = {} if stranded else _reconcile(runtime, cluster, desk, sandbox.url, say)
        seconds = time.monotonic() - started

        rows = runtime.ledger.publications()
        counters = sandbox_counters(sandbox.url)
        verdict = judge(rows, counters, status_rows=_status_rows())
        if self_exits:
            verdict.failures.append(f"{len(self_exits)} worker/beat processes exited by themselves "
                                    f"(not restarted): {'; '.join(self_exits)[:600]}")  # fmt: skip
        result = ChaosResult(
            options=options, verdict=verdict, publications=len(rows), accounts=len(accounts),
            kills=chaos["kills"], redis_restarts=chaos["redis_restarts"],
            beat_restarts=chaos["beat_restarts"], faults=faults_seen,
            operator={**dict(desk.actions), **resolution}, seconds=seconds,
            settle_seconds=settle_seconds, lateness=_lateness(rows, started_wall), folder=str(tmp),
            notes=desk.log[-20:], self_exits=self_exits,
        )  # fmt: skip
        return result
    finally:
        cluster.stop_all()
        sandbox.stop()
        redis.stop()
        if pg_name is not None and not options.keep and options.pg_admin_url:
            _drop_pg_database(options.pg_admin_url, pg_name)
        if pg_server is not None and not options.keep:
            pg_server.destroy()
        if not options.keep and options.folder is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _faults_injected(url: str) -> dict[str, int]:
    total: Counter = Counter()
    for name, data in sandbox_counters(url).items():
        for kind, n in data.get("faults_injected", {}).items():
            total[f"{name}:{kind}"] += n
    return dict(sorted(total.items()))


def _status_rows() -> list[dict]:
    from tests.chaos.operator_desk import cli

    code, output = cli("status", "--format", "json")
    if code != 0:
        raise RuntimeError(f"publisher status failed: {output[-500:]}")
    return json.loads(output)["publications"]


def _reconcile(runtime, cluster, desk, url, say) -> dict[str, int]:
    """The poll step until it has nothing more to say, then the operator's checks and retries."""
    from publisher.schedule.dispatcher import poll

    summary: Counter = Counter()
    before = Counter(r.state.value for r in runtime.ledger.publications())
    summary["unconfirmed_at_end_of_chaos"] = before["unconfirmed"]
    summary["failed_at_end_of_chaos"] = before["failed"]
    for round_no in range(3):
        for _ in range(6):  # the reconcile step asks each row at most every few polls
            report = poll(runtime, force=True)
            summary["reconciled_published"] += report.published
            summary["reconciled_rescheduled"] += report.rescheduled
            time.sleep(1.0)
        _wait_settled(runtime, timeout=180)
        rows = runtime.ledger.publications()
        unconfirmed = [r for r in rows if r.state.value == "unconfirmed"]
        failed = [r for r in rows if r.state.value == "failed"]
        posts = _posts_by_key(url)
        todo = [r for r in unconfirmed if posts.get(f"pub-{r.id}", 0) == 0]
        say(f"  reconcile round {round_no + 1}: {len(unconfirmed)} unconfirmed "
            f"({len(todo)} not on the platform), {len(failed)} failed")  # fmt: skip
        if not todo and not failed:
            break
        done = desk.reconcile_unconfirmed(todo, posts)
        summary["operator_retry_not_posted"] += done.get("retry_not_posted", 0)
        summary["operator_retry_failed"] += desk.retry_failed(failed)
        _wait_settled(runtime, timeout=180)
    rows = runtime.ledger.publications()
    posts = _posts_by_key(url)
    summary.update(_unconfirmed_history(runtime))
    left = [r for r in rows if r.state.value == "unconfirmed"]
    for r in left:
        summary[f"left_unconfirmed:{r.channel}:{r.last_error_code}"] += 1
    summary["unconfirmed_left_posted_once"] = sum(1 for r in left if posts.get(f"pub-{r.id}", 0) == 1)
    summary["unconfirmed_left_not_posted"] = sum(1 for r in left if posts.get(f"pub-{r.id}", 0) == 0)
    return dict(summary)


def _wait_settled(runtime, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not runtime.ledger.publications(state=list(OPEN)):
            return
        time.sleep(1.0)
    raise TimeoutError("rows still open after reconciliation")


def _posts_by_key(url: str) -> Counter:
    total: Counter = Counter()
    for data in sandbox_counters(url).values():
        total.update(data.get("posts_by_key", {}))
    return total


def _lateness(rows, started: datetime) -> dict[str, float]:
    """Published after the schedule (or after the run began, for rows due before it), seconds."""
    late = sorted(
        max(0.0, (r.published_at - max(r.scheduled_at, started)).total_seconds())
        for r in rows if r.state.value == "published" and r.published_at and not r.manual
    )  # fmt: skip
    if not late:
        return {}
    pick = lambda q: late[min(len(late) - 1, int(q * len(late)))]  # noqa: E731
    return {"median": pick(0.5), "p95": pick(0.95), "max": late[-1]}


def utc_now() -> datetime:
    return datetime.now(UTC)


def _unconfirmed_history(runtime) -> dict[str, int]:
    """From the audit log: rows that were unconfirmed at some point, and how they left it."""
    from sqlalchemy import select

    from publisher.ledger.schema import audit_log

    with runtime.ledger.engine.connect() as conn:
        events = conn.execute(
            select(audit_log.c.publication_id, audit_log.c.from_state, audit_log.c.to_state)
            .where((audit_log.c.to_state == "unconfirmed") | (audit_log.c.from_state == "unconfirmed"))
            .order_by(audit_log.c.id)
        ).all()
    ever = {e.publication_id for e in events if e.to_state == "unconfirmed"}
    out: Counter = Counter({"ever_unconfirmed": len(ever)})
    for e in events:
        if e.from_state == "unconfirmed" and e.to_state != "unconfirmed":
            out[f"unconfirmed_to_{e.to_state}"] += 1
    return dict(out)
