"""A throw-away PostgreSQL server for tests and the chaos run (imported, not a conftest).

    server = PostgresServer().start()      # initdb + pg_ctl on a free loopback port
    url = server.create_database()         # a fresh, empty database; dropped with the server
    server.stop(); server.start()          # fault tests: the database goes away and comes back
    server.destroy()

The binaries come from Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin; the
newest version wins), or `PUBLISHER_TEST_PG_BINDIR`. Missing: the test is skipped with the
reason, except under CI=true, where it fails (scripts/system-deps.sh installs the package).

initdb refuses to run as root, and the server must not run as root either. As root (CI
containers, this machine), the cluster belongs to an unprivileged user (`postgres`, which the
Debian package creates, else `nobody`) and every server command runs as that user through
`setpriv`; as anyone else, they run as yourself. The data folder lives in /dev/shm when it can
(no fsync cost; the server runs with fsync off: test data need not survive a power cut, only a
server crash, which needs no fsync: the WAL is written before each commit returns).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BINDIR_ENV = "PUBLISHER_TEST_PG_BINDIR"


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl."""
    override = os.environ.get(BINDIR_ENV)
    candidates = [Path(override)] if override else []
    if not override:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                          key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)  # fmt: skip
        candidates += versions
        on_path = shutil.which("pg_ctl")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    where = override or "/usr/lib/postgresql/*/bin or PATH"
    raise PostgresUnavailable(
        f"initdb/pg_ctl not found in {where} (install the postgresql package: bash scripts/system-deps.sh)"
    )


def require_postgres() -> Path:
    """find_bindir() for a test: skip with the reason, or fail under CI=true."""
    try:
        return find_bindir()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL required under CI=true but unavailable: {exc}", pytrace=False)
        pytest.skip(str(exc))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """Who owns and runs the cluster: None for yourself; an unprivileged user when root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")


@dataclass
class PostgresServer:
    port: int = 0
    bindir: Path | None = None
    folder: Path | None = None
    databases: list[str] = field(default_factory=list)
    _user: pwd.struct_passwd | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if self._user is not None:
            command = ["setpriv", f"--reuid={self._user.pw_uid}", f"--regid={self._user.pw_gid}",
                       "--clear-groups", "--", *command]  # fmt: skip
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"}
        if self._user is not None:
            env["HOME"] = str(self.folder)
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=self.folder)
        if run.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(map(str, args[:2]))} failed ({run.returncode}): "
                                      f"{(run.stderr or run.stdout).strip()[-800:]}")  # fmt: skip
        return run

    def start(self) -> PostgresServer:
        """initdb on first start, then pg_ctl start; waits until it accepts connections."""
        if self.folder is None:
            self.bindir = self.bindir or find_bindir()
            self._user = _server_user()
            shm = Path("/dev/shm")
            parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
            self.folder = Path(tempfile.mkdtemp(prefix="pgtest-", dir=parent))
            if self._user is not None:
                os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
            self._run(self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")  # fmt: skip
        self.port = self.port or _free_port()
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200")  # fmt: skip
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.folder / "server.log",
                  "-o", options, "-w", "-t", "60", "start")  # fmt: skip
        return self

    def running(self) -> bool:
        if self.folder is None:
            return False
        try:
            self._run(self.bindir / "pg_ctl", "-D", self.data, "status", timeout=30)
            return True
        except PostgresUnavailable:
            return False

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: `fast` (disconnect clients, clean shutdown) or `immediate` (like a
        crash: no checkpoint, recovery on the next start)."""
        if self.running():
            self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast", down_seconds: float = 0.0) -> None:
        self.stop(mode)
        if down_seconds:
            time.sleep(down_seconds)
        self.start()

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; its SQLAlchemy URL."""
        from sqlalchemy import create_engine, text

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.admin_url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self.databases.append(name)
        return self.admin_url(name)

    def destroy(self) -> None:
        """Stop the server and delete its files."""
        with contextlib.suppress(PostgresUnavailable):
            self.stop("immediate")
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def log_tail(self, chars: int = 2000) -> str:
        log = self.folder / "server.log" if self.folder else None
        return log.read_text(errors="replace")[-chars:] if log and log.exists() else ""
