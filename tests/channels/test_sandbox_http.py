"""The sandboxes' HTTP/1.1 keep-alive server (issue 17): one connection serves a burst of
requests, a body the app leaves unread never spills into the next request, a streamed answer
closes its connection, and a stopped sandbox is gone even for a client holding a connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from channels.sandbox_faults import FaultSettings
from channels.sandbox_http import make_keepalive_server
from channels.sandbox_server import start_sandbox
from channels.transport import FreshSession


def _app(environ, start_response):
    """Echoes the path; leaves any request body unread; /stream has no length."""
    path = environ["PATH_INFO"]
    body = path.encode()
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"a", b"b"])
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@contextmanager
def _served(app=_app) -> Iterator[tuple[str, object]]:
    server = make_keepalive_server("127.0.0.1", 0, app)
    _count_connections(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server
    finally:
        server.shutdown()
        server.server_close()


def _count_connections(server) -> None:
    """`server.accepted`: TCP connections the server accepted so far."""
    server.accepted = 0
    accept = server.process_request

    def counted(request, client_address):
        server.accepted += 1
        accept(request, client_address)

    server.process_request = counted


def test_a_burst_of_requests_shares_one_connection():
    with _served() as (url, _server):
        session = FreshSession(fresh_seconds=60.0)
        answers = [session.post(f"{url}/p{i}", data=b"x" * 5000, timeout=5) for i in range(5)]
        assert [a.text for a in answers] == [f"/p{i}" for i in range(5)]  # unread bodies drained
        assert all(a.headers.get("Connection", "").lower() != "close" for a in answers)
        assert _server.accepted == 1


def test_a_streamed_answer_closes_its_connection():
    with _served() as (url, _server):
        session = FreshSession(fresh_seconds=60.0)
        first = session.get(f"{url}/stream", timeout=5)
        assert first.text == "ab" and first.headers["Connection"] == "close"
        assert session.get(f"{url}/after", timeout=5).text == "/after"
        assert _server.accepted == 2


def test_a_stopped_server_is_gone_for_a_client_holding_a_connection():
    with _served() as (url, server):
        session = FreshSession(fresh_seconds=60.0)
        assert session.get(f"{url}/one", timeout=5).ok
    assert server is not None
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(f"{url}/two", timeout=5)


def test_the_sandboxes_keep_connections_alive():
    handle = start_sandbox(port=0, faults=FaultSettings())
    _count_connections(handle.server)
    try:
        session = FreshSession(fresh_seconds=60.0)
        url = f"{handle.base_url('weibo')}/"
        pages = [session.get(url, timeout=5) for _ in range(3)]
        assert all(p.status_code == 200 for p in pages)
        assert handle.server.accepted == 1
    finally:
        handle.stop()
