from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from notify_helpers import SmtpServer, robot_env, start_smtp  # noqa: E402

from publisher.office.notify.sandbox import RobotSandboxHandle, start_robot_sandbox  # noqa: E402


@pytest.fixture
def robots() -> Iterator[RobotSandboxHandle]:
    handle = start_robot_sandbox()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def smtp_factory(tmp_path, monkeypatch):
    servers: list[SmtpServer] = []

    def start(security: str) -> SmtpServer:
        server = start_smtp(security, tmp_path)
        if security != "none":
            monkeypatch.setenv("PUBLISHER_NOTIFY_CA_FILE", str(tmp_path / "smtp-cert.pem"))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def secrets(monkeypatch) -> None:
    for key, value in robot_env().items():
        monkeypatch.setenv(key, value)


def pytest_configure(config) -> None:
    # Implicit TLS is encrypted, but aiosmtpd only counts STARTTLS as TLS and warns about AUTH.
    config.addinivalue_line("filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning")
