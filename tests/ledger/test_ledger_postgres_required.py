"""Under CI=true a missing PostgreSQL fails the run instead of silently skipping its tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_unreachable_postgres_fails_under_ci():
    env = {
        **os.environ,
        "CI": "true",
        "PUBLISHER_TEST_POSTGRES_URL": f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/x",
    }
    target = f"{Path(__file__).with_name('test_ledger_migrations.py')}::test_round_trip_postgres"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "PostgreSQL required under CI=true" in run.stdout
