"""An HTTP/1.1 keep-alive WSGI server for the channel sandboxes (issue 17).

The platforms keep connections alive and our clients reuse them (`channels.transport.
FreshSession`), but werkzeug's development server answers every request `Connection: close`
(it cannot drain an unread request body safely), so every sandboxed publication paid a TCP
connect, a new server thread and a close, on both sides. This server keeps the connection:

- a request body is read whole, by its `Content-Length`, before the app runs, so whatever the
  app leaves unread can never be taken for the next request; a body sent any other way
  (chunked: our clients never do) is refused and the connection closed;
- an answer without `Content-Length` (a streamed one) is sent with `Connection: close`;
- `server_close()` shuts every open connection, so a stopped sandbox is gone for a client
  that still holds a connection to it, as a stopped platform would be.

Built on the standard library's wsgiref handler; one thread per connection, as before.
"""

from __future__ import annotations

import contextlib
import io
import socket
import socketserver
import threading
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

MAX_LINE = 65536


class _Answer(ServerHandler):
    http_version = "1.1"

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        if "Content-Length" not in self.headers:  # streamed: only closing tells where it ends
            self.headers["Connection"] = "close"
            self.request_handler.close_connection = True


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # An answer leaves in one segment, written as soon as it is complete: wsgiref writes the
    # status line, the headers and the body separately, and unbuffered on a Nagle socket the
    # later parts waited for the client's delayed ACK of the first (~40 ms every request on
    # Linux, issue 17: 12.6 of 17.4 s wall of 300 sandboxed Weibo publications in one process).
    wbufsize = -1
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        try:
            self._handle_one_request()
        finally:
            with contextlib.suppress(OSError, ValueError):  # a client that went away
                self.wfile.flush()

    def _handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
        except (ConnectionError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > MAX_LINE:
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():  # sets close_connection from the version and headers
            return
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "Content-Length required")
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            self.close_connection = True
            return
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return
        answer = _Answer(io.BytesIO(body), self.wfile, self.get_stderr(), self.get_environ(),
                         multithread=True)
        answer.request_handler = self
        answer.run(self.server.app)

    def log_request(self, code="-", size="-") -> None:  # noqa: ANN001 - http.server's signature
        pass


class KeepAliveServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Many keep-alive clients at once (a burst from four worker processes): a deeper accept queue.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app, handler=KeepAliveHandler) -> None:  # noqa: ANN001
        self.app = app  # replaceable, as with werkzeug's server (bench.arrivals wraps it)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # Not HTTPServer's: it asks DNS for the host's full name (socket.getfqdn), which can hang.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()

    def process_request(self, request, client_address) -> None:  # noqa: ANN001
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:  # noqa: ANN001
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            held, self._open = list(self._open), set()
        for conn in held:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class KeepAliveServer6(KeepAliveServer):
    address_family = socket.AF_INET6


def make_keepalive_server(host: str, port: int, app, handler=KeepAliveHandler) -> KeepAliveServer:  # noqa: ANN001
    server_class = KeepAliveServer6 if ":" in host else KeepAliveServer
    return server_class((host, port), app, handler)
