"""Worker threads reuse one HTTP connection per burst of requests (issue 17), but never a stale
one, never another thread's, and never cookies from an earlier request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from channels.transport import FreshSession, pooled_session


class _PeerPort(BaseHTTPRequestHandler):
    """Answers with the client's source port (one TCP connection from another) and the cookie
    it sent; sets a cookie every time. HTTP/1.1 keep-alive, as the platforms' servers do (the
    sandboxes' werkzeug server closes every connection)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = f"{self.client_address[1]} {self.headers.get('Cookie', '')}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "sid=abc")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _keep_alive_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PeerPort)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_burst_reuses_one_connection_and_sends_no_cookie_back():
    with _keep_alive_server() as url:
        session = FreshSession(fresh_seconds=60.0)
        answers = [session.get(url, timeout=5).text for _ in range(5)]
    ports = {a.split(" ")[0] for a in answers}
    assert len(ports) == 1, answers
    assert all(a.split(" ", 1)[1] == "" for a in answers), answers  # sid=abc never came back


def test_a_connection_idle_longer_than_fresh_seconds_is_not_reused():
    with _keep_alive_server() as url:
        session = FreshSession(fresh_seconds=0.0)
        ports = {session.get(url, timeout=5).text.split(" ")[0] for _ in range(3)}
    assert len(ports) == 3


def test_each_thread_has_its_own_session_and_keeps_it():
    seen: dict[str, object] = {}

    def grab(name: str) -> None:
        seen[name] = pooled_session()

    threads = [threading.Thread(target=grab, args=(f"t{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen["t0"] is not seen["t1"]
    assert pooled_session() is pooled_session()
    assert pooled_session() not in seen.values()
