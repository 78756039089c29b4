"""`publisher worker`: the Celery worker (and beat) under a supervisor that restarts them.

    publisher worker                      # one worker, 4 pool processes
    publisher worker --beat               # and the one beat of the deployment
    publisher worker -c 8 -- --queues celery   # arguments after -- go to `celery worker`

The simplest way to keep workers running on a machine without compose or systemd (both are
documented in docs/deploy/). Logs go to stderr at PUBLISHER_LOG_LEVEL (default INFO).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def worker(
        ctx: typer.Context,
        concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="每个工作进程的并发数")] = 4,
        beat: Annotated[bool, typer.Option("--beat", help="同时运行定时调度（整个部署只能有一个）")] = False,
        stop_timeout: Annotated[float, typer.Option("--stop-timeout", help="停止时等待进行中任务的最长时间（秒）")] = 60.0,
    ) -> None:
        """运行 Celery 工作进程（可加定时调度），意外退出时自动重启。"""
        from publisher.runtime.logs import configured_level
        from publisher.runtime.supervisor import Child, Supervisor
        from publisher.settings import Settings, ensure_private_dir

        settings = Settings()
        level = configured_level() or "INFO"
        env = {**os.environ, "PUBLISHER_EXECUTOR": "celery"}
        celery = [sys.executable, "-m", "celery", "-A", "workers"]
        children = [Child("worker", [*celery, "worker", "--loglevel", level, "--concurrency", str(concurrency),
                                     *ctx.args])]  # fmt: skip
        if beat:
            state = ensure_private_dir(settings.state_dir)
            children.append(Child("beat", [*celery, "beat", "--loglevel", level,
                                           "--schedule", str(state / "celerybeat-schedule")]))  # fmt: skip
        supervisor = Supervisor(
            children, env=env, status_file=settings.state_dir / "supervisor.json", stop_timeout=stop_timeout,
            say=lambda line: typer.echo(f"[publisher worker] {line}", err=True),
        )  # fmt: skip
        raise typer.Exit(supervisor.run())
