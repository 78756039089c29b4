"""Small content repos for the security tests: one good item (publish_fixtures) edited into a
hostile one, and a canary HTTP server that counts every request it gets."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from publish_fixtures import item_text, write_content

ITEM = "2026/11/item-0000"


def hostile_root(tmp_path: Path, *, body: str = "", cover: str | None = None, sandbox: str = "http://127.0.0.1:9") -> Path:
    """A content root whose one item carries `body` after its normal text (and `cover`)."""
    root = tmp_path / "content"
    write_content(root, 1, sandbox, channels=("wechat", "weibo"), publish_at=datetime.now(UTC) - timedelta(minutes=5))
    index = root / "items" / ITEM / "index.md"
    text = index.read_text(encoding="utf-8")
    if cover is not None:
        text = text.replace("cover: cover.jpg", f"cover: {cover}", 1)
    index.write_text(text + "\n" + body + "\n", encoding="utf-8")
    return root


def good_item_text(n: int) -> str:
    return item_text(n, datetime.now(UTC) - timedelta(minutes=5))


class Canary:
    """Stands for a machine a hostile item wants us (or a reader's browser) to reach."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
