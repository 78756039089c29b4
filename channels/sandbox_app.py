"""What both sandbox servers share: routing, faults around API calls, the loopback-only admin.

Admin endpoints (loopback clients only; anything else gets 403):

    GET  _admin/faults        current fault switches          POST _admin/faults   merge changes
    GET  _admin/counters      calls, token fetches, posts by idempotency key and by content,
                              faults injected by kind
    POST _admin/clock         {"shift_days": 1} moves the sandbox's clock (quota days, datacube)
    POST _admin/reset         forget everything (tests)

Posts are counted by the `X-Idempotency-Key` header, by `content_key(title or text)` (SHA-256 of
the text), and by account (appid / Weibo uid) then content key, so exactly-once tests can tell how
often one article reached one account.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox_faults import Faults, settings_from_env
from channels.sandbox_forms import SandboxRequest
from channels.transport import IDEMPOTENCY_HEADER

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def content_key(text: str) -> str:
    """How the sandboxes count posts by content: SHA-256 of the title (WeChat) or text (Weibo)."""
    return hashlib.sha256(text.encode()).hexdigest()


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def html_response(html: str, status: int = 200) -> Response:
    return Response(html, status=status, content_type="text/html; charset=utf-8")


class SandboxApp:
    """Base WSGI app. Subclasses list their rules in `routes()`; endpoint names say the kind:
    `api_*` (faults apply), `page_*` (readable pages, no faults), `admin_*` (loopback only)."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults(settings_from_env())
        self.lock = threading.RLock()
        self.clock_shift = 0.0
        self.url_map = Map(
            [
                Rule("/_admin/faults", endpoint="admin_faults", methods=["GET", "POST"]),
                Rule("/_admin/counters", endpoint="admin_counters", methods=["GET"]),
                Rule("/_admin/clock", endpoint="admin_clock", methods=["POST"]),
                Rule("/_admin/reset", endpoint="admin_reset", methods=["POST"]),
                *self.routes(),
            ]
        )
        self.reset()

    # -- to be provided by each sandbox ------------------------------------------------------
    def routes(self) -> list[Rule]:
        raise NotImplementedError

    def injected_error(self, status: int) -> Response:
        raise NotImplementedError

    def reset(self) -> None:
        with self.lock:
            self.calls: Counter[str] = Counter()
            self.posts_by_key: Counter[str] = Counter()
            self.posts_by_content: Counter[str] = Counter()
            self.posts_by_account: dict[str, Counter[str]] = {}
            self.faults.injected.clear()

    def counters(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "posts_by_key": dict(self.posts_by_key),
            "posts_by_content": dict(self.posts_by_content),
            "posts_by_account": {a: dict(c) for a, c in self.posts_by_account.items()},
            "faults_injected": dict(self.faults.injected),
        }

    # -- shared ------------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_shift

    def count_post(self, request: Request, content: str, account: str) -> None:
        with self.lock:
            key = request.headers.get(IDEMPOTENCY_HEADER)
            if key:
                self.posts_by_key[key] += 1
            self.posts_by_content[content_key(content)] += 1
            self.posts_by_account.setdefault(account, Counter())[content_key(content)] += 1

    def __call__(self, environ, start_response):
        request = SandboxRequest(environ)  # multipart bodies parsed without per-request regexes
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            response = self.dispatch(request, endpoint, args)
        except HTTPException as exc:
            response = exc
        return response(environ, start_response)

    def dispatch(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        handler = getattr(self, endpoint)
        if endpoint.startswith("admin_"):
            if request.remote_addr not in LOOPBACK:
                return json_response({"error": "管理接口仅限本机访问"}, 403)
            return handler(request, **args)
        if endpoint.startswith("page_"):
            return handler(request, **args)
        path = request.path
        delay = self.faults.latency_seconds(path)
        if delay:
            time.sleep(delay)
        with self.lock:
            self.calls[path] += 1
        failure = self.faults.fires("error", path)
        if failure:
            return self.injected_error(failure.status)
        response = handler(request, **args)
        late = self.faults.fires("timeout", path)
        if late:
            # The work is done; the answer leaves after the client has given up (-> Unconfirmed).
            time.sleep(late.seconds)
        return response

    # -- admin -------------------------------------------------------------------------------
    def admin_faults(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                settings = self.faults.update(request.get_json(force=True) or {})
            except ValueError as exc:
                return json_response({"error": str(exc)}, 400)
            return json_response(settings.model_dump())
        return json_response(self.faults.settings.model_dump())

    def admin_counters(self, request: Request) -> Response:
        with self.lock:
            return json_response(self.counters())

    def admin_clock(self, request: Request) -> Response:
        body = request.get_json(force=True) or {}
        with self.lock:
            self.clock_shift = float(body.get("shift_days", 0)) * 86400 + float(body.get("shift_seconds", 0))
        return json_response({"shift_seconds": self.clock_shift})

    def admin_reset(self, request: Request) -> Response:
        self.reset()
        self.clock_shift = 0.0
        self.faults.replace(self.faults.settings.__class__())
        return json_response({"ok": True})
