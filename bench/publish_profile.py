"""Where one publication's time goes: one process publishing rows through the real path.

    python -m bench.publish_profile [--channel weibo|wechat] [--n 200] [--database sqlite|postgresql] [--top 30]

A real redis-server (shared state, as the Celery workers use it), both sandboxes in a thread of
this process (the sandboxes' HTTP/1.1 keep-alive server), a SQLite or PostgreSQL ledger. The rows are planned and claimed first;
then `publish_publication` runs once per row under cProfile, exactly as a worker task calls it.
Prints SQL statements per publication and the top of the cumulative profile.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event

from bench.measure import HERE

sys.path.insert(0, str(HERE.parent / "tests"))
from publish_fixtures import SECRET_ENV, RedisServer, plan, write_content  # noqa: E402


@contextlib.contextmanager
def serve(app) -> Iterator[str]:
    """The sandboxes behind the keep-alive server they run behind in tests and the benchmark."""
    from channels.sandbox_http import make_keepalive_server

    server = make_keepalive_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publish_profile")
    parser.add_argument("--channel", default="weibo", choices=["weibo", "wechat"])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime, ...)")
    parser.add_argument("--no-profile", action="store_true",
                        help="no cProfile: the CPU seconds per publication without the profiler's overhead")
    args = parser.parse_args(argv)
    os.environ.update(SECRET_ENV)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access line per request otherwise

    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from channels.wechat.sandbox import WeChatSandbox, WeChatSandboxConfig
    from channels.weibo.sandbox import WeiboSandbox, WeiboSandboxConfig
    from publisher.publish.execute import publish_publication
    from publisher.runtime.context import SchedulingSettings, open_runtime
    from publisher.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="publish-profile-"))
    redis = RedisServer(tmp / "redis").start()
    pg = None
    try:
        if args.database == "postgresql":
            from pg_server import PostgresServer

            pg = PostgresServer().start()
            url = pg.create_database("bench")
        else:
            url = None
        wechat = WeChatSandbox(WeChatSandboxConfig(publish_delay_seconds=0.0, quotas={}))
        weibo = WeiboSandbox(WeiboSandboxConfig(hourly_limit=10**9, daily_post_limit=10**9))
        app = DispatcherMiddleware(lambda e, s: s("404 Not Found", []) or [b""], {"/wechat": wechat, "/weibo": weibo})
        with serve(app) as sandbox:
            content = tmp / "content"
            write_content(content, args.n, sandbox, channels=(args.channel,))
            settings = Settings(state_dir=tmp / "state", content_dir=content, broker_url=redis.url,
                                database_url=url)
            runtime = open_runtime(settings, shared="redis", scheduling=SchedulingSettings(poll_seconds=0.1))
            plan(content, runtime)
            rows = runtime.ledger.claim_due(runtime.now(), 60, 10**6, "bench")
            statements = [0]

            def count(*_):
                statements[0] += 1

            event.listen(runtime.ledger.engine, "before_cursor_execute", count)
            profiler = cProfile.Profile()
            started, cpu = time.perf_counter(), time.process_time()
            if not args.no_profile:
                profiler.enable()
            for row in rows:
                outcome = publish_publication(row.id, runtime)
                assert outcome.result in ("published", "awaiting"), outcome
            profiler.disable()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"{args.channel} on {args.database}: {len(rows)} publications in {elapsed:.2f} s "
              f"({len(rows) / elapsed:.1f}/s in one process{', profiler on' if not args.no_profile else ''}), "
              f"{statements[0] / len(rows):.1f} SQL statements per publication, "
              f"{1000 * cpu / len(rows):.1f} CPU ms per publication (this process: publish path and sandbox)")
        if not args.no_profile:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
    finally:
        redis.stop()
        if pg is not None:
            pg.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
