"""Both channel sandboxes, unlimited, with a log of when each request arrived (a separate process).

    python -m bench.arrivals PORT_FILE

The sandboxes already count posts per idempotency key; the lateness benchmark also needs *when*
each request reached the channel. A WSGI wrapper records (arrival time, path, idempotency key)
before the sandbox sees the request, so the sandbox modules stay untouched.
`GET /_bench/arrivals` returns the log as JSON; `POST /_bench/reset` empties it and both sandboxes. Runs in its own process so its GIL does not
compete with the dispatcher loop being measured.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import build_sandbox
from channels.transport import IDEMPOTENCY_HEADER
from channels.wechat.sandbox import WeChatSandboxConfig
from channels.weibo.sandbox import WeiboSandboxConfig

UNLIMITED = 10**9
HEADER_KEY = "HTTP_" + IDEMPOTENCY_HEADER.upper().replace("-", "_")


class ArrivalLog:
    def __init__(self, app, sandboxes=()):
        self.app, self.lock, self.entries, self.sandboxes = app, threading.Lock(), [], sandboxes

    def __call__(self, environ, start_response):
        arrived = time.time()
        path = environ.get("PATH_INFO", "")
        if path == "/_bench/arrivals":
            with self.lock:
                body = json.dumps(self.entries).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == "/_bench/reset":  # a new phase: no posts, no log (Weibo refuses repeated text)
            with self.lock:
                self.entries = []
            for sandbox in self.sandboxes:
                sandbox.reset()
            start_response("204 No Content", [])
            return [b""]
        key = environ.get(HEADER_KEY)
        if key:
            with self.lock:
                self.entries.append((arrived, path, key))
        return self.app(environ, start_response)


def main(argv: list[str] | None = None) -> int:
    port_file = Path((argv or sys.argv[1:])[0])
    handle = build_sandbox(
        port=0,
        wechat_config=WeChatSandboxConfig(
            publish_delay_seconds=0.0,
            quotas={p: UNLIMITED for p in ("/cgi-bin/draft/add", "/cgi-bin/freepublish/submit",
                                           "/cgi-bin/freepublish/get", "/cgi-bin/freepublish/delete")},
        ),
        weibo_config=WeiboSandboxConfig(hourly_limit=UNLIMITED, daily_post_limit=UNLIMITED),
        faults=FaultSettings(),
    )
    handle.server.app = ArrivalLog(handle.server.app, (handle.wechat, handle.weibo))
    port_file.write_text(handle.url)
    handle.server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
