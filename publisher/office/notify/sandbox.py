"""Sandboxes of the two group robots, on one port, in the style of the channel sandboxes.

    handle = start_robot_sandbox(port=0)
    handle.wecom_base_url      # http://127.0.0.1:PORT/wecom    -> [[notify.targets]] base_url
    handle.dingtalk_base_url   # http://127.0.0.1:PORT/dingtalk
    handle.stop()

企业微信 `POST /wecom/cgi-bin/webhook/send?key=KEY`: JSON `{"msgtype": "markdown"|"text", ...}`;
keys starting with `sandbox-key` are valid (else errcode 93000); markdown content over 4096 bytes
→ 40058; unknown msgtype → 40008; over `per_minute` (20) in any 60 s → 45009.

钉钉 `POST /dingtalk/robot/send?access_token=T&timestamp=MS&sign=S`: tokens starting with
`sandbox-token` are valid (else 300001); 加签 is required and checked with the secret
`SANDBOX_DINGTALK_SECRET` (HMAC-SHA256 of "timestamp\\nsecret", base64): a missing or wrong
signature, or a timestamp more than an hour from the sandbox's clock → 310000; over `per_minute`
in any 60 s → 130101 ("send too fast").

A page at `/` shows every accepted message as the group would see it (Markdown rendered), and
`/mail/` the mails handed to `record_mail` (the tests' SMTP server feeds it). Admin (loopback
only): `GET /_admin/messages`, `POST /_admin/reset`, `POST /_admin/faults` with
`{"per_minute": 3}` or `{"fail_next": 2}` (the next two sends answer HTTP 500).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

from markdown_it import MarkdownIt
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SANDBOX_WECOM_KEY = "sandbox-key-1"
SANDBOX_DINGTALK_TOKEN = "sandbox-token-1"
SANDBOX_DINGTALK_SECRET = "SECsandbox-dingtalk-secret"
LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}
WECOM_MAX_BYTES = 4096


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8")


class RobotSandbox:
    """Both robots' endpoints, their limits and error codes, and pages of what they received."""

    def __init__(self, per_minute: int = 20, secret: str = SANDBOX_DINGTALK_SECRET):
        self.per_minute = per_minute
        self.secret = secret
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.messages: list[dict[str, Any]] = []
            self.mails: list[dict[str, Any]] = []
            self.rejected: list[dict[str, Any]] = []
            self.windows: dict[str, deque[float]] = {}
            self.fail_next = 0

    # -- the robots ------------------------------------------------------------------------
    def _throttled(self, robot: str, now: float) -> bool:
        window = self.windows.setdefault(robot, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return True
        window.append(now)
        return False

    def _reject(self, robot: str, code: int, text: str) -> Response:
        self.rejected.append({"robot": robot, "errcode": code, "errmsg": text, "at": time.time()})
        return _json({"errcode": code, "errmsg": text})

    def wecom(self, request: Request) -> Response:
        key = request.args.get("key", "")
        if not key.startswith("sandbox-key"):
            return self._reject("wecom", 93000, "invalid webhook url, hint: key not found")
        body = request.get_json(silent=True) or {}
        kind = body.get("msgtype")
        if kind == "markdown":
            content = str((body.get("markdown") or {}).get("content", ""))
            if len(content.encode()) > WECOM_MAX_BYTES:
                return self._reject("wecom", 40058, "markdown.content exceed max length 4096")
        elif kind == "text":
            content = str((body.get("text") or {}).get("content", ""))
        else:
            return self._reject("wecom", 40008, "invalid message type")
        if not content:
            return self._reject("wecom", 44004, "empty content")
        if self._throttled(f"wecom:{key}", time.time()):
            return self._reject("wecom", 45009, "api freq out of limit")
        mentioned = (body.get("text") or {}).get("mentioned_mobile_list", [])
        self._keep("wecom", kind, "", content, mentioned)
        return _json({"errcode": 0, "errmsg": "ok"})

    def dingtalk(self, request: Request) -> Response:
        token = request.args.get("access_token", "")
        if not token.startswith("sandbox-token"):
            return self._reject("dingtalk", 300001, "token is not exist")
        stamp, sign = request.args.get("timestamp", ""), request.args.get("sign", "")
        if not stamp or not sign:
            return self._reject("dingtalk", 310000, "sign not match, more: [missing timestamp or sign]")
        if not stamp.isdigit() or abs(int(stamp) / 1000 - time.time()) > 3600:
            return self._reject("dingtalk", 310000, "sign not match, more: [timestamp out of range]")
        digest = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(sign, base64.b64encode(digest).decode()):
            return self._reject("dingtalk", 310000, "sign not match")
        body = request.get_json(silent=True) or {}
        kind = body.get("msgtype")
        if kind == "markdown":
            title, content = (body.get("markdown") or {}).get("title", ""), (body.get("markdown") or {}).get("text", "")
        elif kind == "text":
            title, content = "", (body.get("text") or {}).get("content", "")
        else:
            return self._reject("dingtalk", 40035, "缺少参数 msgtype")
        if not content:
            return self._reject("dingtalk", 40035, "缺少参数 text")
        if self._throttled(f"dingtalk:{token}", time.time()):
            return self._reject("dingtalk", 130101, "send too fast, exceed 20 times per minute")
        self._keep("dingtalk", kind, str(title), str(content), (body.get("at") or {}).get("atMobiles", []))
        return _json({"errcode": 0, "errmsg": "ok"})

    def _keep(self, robot: str, kind: str, title: str, content: str, mentioned: list[str]) -> None:
        self.messages.append({
            "robot": robot, "msgtype": kind, "title": title, "content": content,
            "mentioned": list(mentioned), "at": datetime.now(UTC).isoformat(),
        })  # fmt: skip

    def record_mail(self, raw: bytes, recipients: list[str]) -> None:
        """A mail as the test SMTP server received it: kept for `/mail/` and `/_admin/messages`."""
        mail = message_from_bytes(raw, policy=policy.default)
        part = mail.get_body(preferencelist=("html", "plain"))
        with self.lock:
            self.mails.append({
                "subject": str(mail["Subject"]), "from": str(mail["From"]), "to": recipients,
                "html": part.get_content() if part is not None and part.get_content_type() == "text/html" else "",
                "text": (mail.get_body(preferencelist=("plain",)) or part).get_content() if part else "",
                "at": datetime.now(UTC).isoformat(),
            })  # fmt: skip

    # -- pages -----------------------------------------------------------------------------
    def page_messages(self) -> str:
        md = MarkdownIt("commonmark", {"html": False, "breaks": True})  # robot clients break lines as sent
        names = {"wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人"}
        cards = []
        for m in reversed(self.messages):
            body = md.render(m["content"]) if m["msgtype"] == "markdown" else f"<pre>{html.escape(m['content'])}</pre>"
            cards.append(
                f'<article class="msg {m["robot"]}"><header><span class="bot">{names[m["robot"]]}</span>'
                f'<time>{m["at"][11:19]} UTC</time></header><div class="body">{body}</div></article>'
            )
        return _PAGE.format(title="机器人沙箱：群里收到的消息", count=len(self.messages), cards="".join(cards) or "<p>还没有消息。</p>")

    def page_mail(self, index: int | None) -> str:
        if index is not None and 0 <= index < len(self.mails):
            mail = self.mails[index]
            return mail["html"] or f"<pre>{html.escape(mail['text'])}</pre>"
        rows = "".join(
            f'<li><a href="{i}">{html.escape(m["subject"])}</a> → {html.escape(", ".join(m["to"]))}</li>'
            for i, m in enumerate(self.mails)
        )
        return _PAGE.format(title="邮件沙箱：收到的邮件", count=len(self.mails), cards=f"<ul>{rows}</ul>")

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.route(request)
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path.startswith("/_admin"):
            if request.remote_addr not in LOOPBACK:
                return _json({"error": "管理接口仅限本机访问"}, 403)
            return self.admin(request, path)
        if request.method == "GET":
            if path == "/":
                return Response(self.page_messages(), content_type="text/html; charset=utf-8")
            if path == "/favicon.ico":
                return Response(status=204)
            if path == "/mail" or path.startswith("/mail/"):
                tail = path[len("/mail/"):]
                index = int(tail) if tail.isdigit() else None
                return Response(self.page_mail(index), content_type="text/html; charset=utf-8")
            return Response("not found", status=404)
        handlers = {"/wecom/cgi-bin/webhook/send": self.wecom, "/dingtalk/robot/send": self.dingtalk}
        if request.method != "POST" or path not in handlers:
            return Response("not found", status=404)
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return Response("upstream error", status=500)
            return handlers[path](request)

    def admin(self, request: Request, path: str) -> Response:
        with self.lock:
            if path == "/_admin/messages":
                return _json({"messages": self.messages, "mails": self.mails, "rejected": self.rejected})
            if path == "/_admin/faults" and request.method == "POST":
                body = request.get_json(silent=True) or {}
                self.per_minute = int(body.get("per_minute", self.per_minute))
                self.fail_next = int(body.get("fail_next", self.fail_next))
                return _json({"per_minute": self.per_minute, "fail_next": self.fail_next})
        if path == "/_admin/reset" and request.method == "POST":
            self.reset()
            return _json({"ok": True})
        return Response("not found", status=404)


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:15px/1.7 'Noto Sans CJK SC',sans-serif;background:#eef0f3;margin:0;padding:24px}}
h1{{font-size:18px;margin:0 0 16px}}.msg{{background:#fff;border-radius:8px;padding:12px 16px;margin:0 0 12px;
max-width:560px;box-shadow:0 1px 2px #0002}}.msg header{{display:flex;justify-content:space-between;color:#888;
font-size:12px}}.bot{{font-weight:bold}}.wecom .bot{{color:#1a73e8}}.dingtalk .bot{{color:#0089ff}}
.body h3{{font-size:16px;margin:6px 0}}.body blockquote{{margin:4px 0;padding:0 8px;border-left:3px solid #ccc;color:#444}}
.body p{{margin:2px 0}}.body code{{background:#f3f3f3;padding:1px 4px}}.body ul{{margin:4px 0;padding-left:20px}}</style>
</head><body><h1>{title}（{count} 条）</h1>{cards}</body></html>"""


class _SilentHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-") -> None:  # robot keys are in query strings
        pass


@dataclass
class RobotSandboxHandle:
    url: str
    app: RobotSandbox
    server: BaseWSGIServer
    thread: threading.Thread | None = None

    @property
    def wecom_base_url(self) -> str:
        return self.url + "/wecom"

    @property
    def dingtalk_base_url(self) -> str:
        return self.url + "/dingtalk"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def build_robot_sandbox(host: str = "127.0.0.1", port: int = 0, *, per_minute: int = 20) -> RobotSandboxHandle:
    app = RobotSandbox(per_minute=per_minute)
    server = make_server(host, port, app, threaded=True, request_handler=_SilentHandler)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return RobotSandboxHandle(f"http://{shown}:{server.server_port}", app, server)


def start_robot_sandbox(port: int = 0, host: str = "127.0.0.1", **options) -> RobotSandboxHandle:
    handle = build_robot_sandbox(host, port, **options)
    handle.thread = threading.Thread(target=handle.server.serve_forever, name="robot-sandbox", daemon=True)
    handle.thread.start()
    return handle
