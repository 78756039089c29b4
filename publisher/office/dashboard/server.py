"""Serve the dashboard folder over HTTP, read-only, on the loopback interface by default.

The pages are rebuilt when one is asked for and the last build is older than
`refresh_seconds`, so a browser tab shows fresh figures on reload without a rebuild per request.
Only GET and HEAD exist; every answer carries the CSP (no scripts) and nosniff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from publisher.office.dashboard.builder import CSP

log = logging.getLogger(__name__)


class _Refresher:
    def __init__(self, rebuild: Callable[[], object] | None, refresh_seconds: float, fresh: bool):
        self.rebuild = rebuild
        self.refresh_seconds = refresh_seconds
        self.built_at: float | None = time.monotonic() if fresh else None
        self.lock = threading.Lock()

    def maybe_rebuild(self) -> None:
        if self.rebuild is None:
            return
        with self.lock:
            if self.built_at is not None and time.monotonic() - self.built_at < self.refresh_seconds:
                return
            try:
                self.rebuild()
            except Exception:  # noqa: BLE001 - keep serving the last good pages
                log.exception("看板更新失败，继续显示上一次生成的页面")
            self.built_at = time.monotonic()


class DashboardHandler(SimpleHTTPRequestHandler):
    refresher: _Refresher
    # Say the charset: without it a browser may guess, and Chinese turns into mojibake.
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.split("?", 1)[0].endswith((".html", "/")):
            self.refresher.maybe_rebuild()
        super().do_GET()

    def list_directory(self, path):  # no folder listings: only the pages we wrote
        self.send_error(404, "Not Found")
        return None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        log.info("%s %s", self.address_string(), format % args)


def make_server(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    rebuild: Callable[[], object] | None = None,
    refresh_seconds: float = 30.0,
    fresh: bool = False,
) -> ThreadingHTTPServer:
    """A server (not yet serving) for `folder`; `rebuild` regenerates its pages (`fresh`: they
    were just built, so the first request need not wait for a rebuild)."""
    refresher = _Refresher(rebuild, refresh_seconds, fresh)
    handler = type("Handler", (DashboardHandler,), {"refresher": refresher})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(folder)))
    server.daemon_threads = True
    return server


def serve_dashboard(
    folder: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    rebuild: Callable[[], object] | None = None,
    refresh_seconds: float = 30.0,
    fresh: bool = False,
) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(folder, host=host, port=port, rebuild=rebuild, refresh_seconds=refresh_seconds, fresh=fresh)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
