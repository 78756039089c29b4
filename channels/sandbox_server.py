"""Every installed channel's sandbox on one port, each under `/<channel>` (`Channel.sandbox`;
WeChat under `/wechat`, Weibo under `/weibo`, any plugin's under its name), a start page at `/`.

    handle = start_sandbox(port=0)          # a free port, in a background thread
    handle.base_url("wechat")               # http://127.0.0.1:PORT/wechat  -> the account's base_url
    handle.apps["weibo"]                    # the sandbox app itself (tests read its state)
    handle.stop()

`publisher sandbox --port 8800` runs the same in the foreground. Default credentials: WeChat
appid `wx-sandbox-1` (any `wx…`) with secret `sandbox-secret`; Weibo tokens `sandbox-token-1`
(any `sandbox-token…`). Faults come from PUBLISHER_SANDBOX_* (channels/sandbox_faults.py) and the
admin endpoints (channels/sandbox_app.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from html import escape
from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from channels.registry import available
from channels.sandbox_faults import Faults, FaultSettings, settings_from_env
from channels.sandbox_http import KeepAliveServer, make_keepalive_server
from channels.wechat.sandbox import WeChatSandbox, WeChatSandboxConfig
from channels.weibo.sandbox import WeiboSandbox, WeiboSandboxConfig

WECHAT_APPID, WECHAT_SECRET, WEIBO_TOKEN = "wx-sandbox-1", "sandbox-secret", "sandbox-token-1"

_START_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>渠道沙箱</title><style>body{{max-width:640px;margin:40px auto;font:16px/1.8 sans-serif;
padding:0 16px}}code{{background:#f4f4f4;padding:1px 4px}}</style></head><body>
<h1>渠道沙箱</h1><p>本机模拟的各渠道接口，发布的内容只保存在这里，不会发到真实平台。</p>
<ul>{links}</ul>
<p>默认凭据：公众号 AppID <code>wx-sandbox-1</code>（任何以 wx 开头的都可以），密钥
<code>sandbox-secret</code>；微博令牌 <code>sandbox-token-1</code>（任何以 sandbox-token 开头的都可以）。</p>
</body></html>"""


def _start_page(titles: dict[str, str]):
    links = "".join(f'<li><a href="{name}/">{escape(title)}沙箱：已发布的内容</a></li>' for name, title in titles.items())
    page = _START_PAGE.format(links=links)

    def app(environ, start_response):
        request = Request(environ)
        if request.path not in ("", "/"):
            return Response("not found", status=404)(environ, start_response)
        return Response(page, content_type="text/html; charset=utf-8")(environ, start_response)

    return app


class _QuietHandler(WSGIRequestHandler):
    """Access log without query strings: WeChat puts the access token there."""

    def log_request(self, code="-", size="-") -> None:
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s" %s', self.command, path, code)


@dataclass
class SandboxHandle:
    url: str
    apps: dict[str, Any]  # channel name -> its sandbox app, served under /<name>
    server: BaseWSGIServer | KeepAliveServer
    thread: threading.Thread | None = None

    def base_url(self, channel: str) -> str:
        return f"{self.url}/{channel}"

    # The built-in sandboxes by name, for tests and the fault tools.
    @property
    def wechat(self) -> WeChatSandbox:
        return self.apps["wechat"]

    @property
    def weibo(self) -> WeiboSandbox:
        return self.apps["weibo"]

    @property
    def wechat_base_url(self) -> str:
        return self.base_url("wechat")

    @property
    def weibo_base_url(self) -> str:
        return self.base_url("weibo")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def build_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    wechat_config: WeChatSandboxConfig | None = None,
    weibo_config: WeiboSandboxConfig | None = None,
    faults: FaultSettings | None = None,
    quiet: bool = True,
) -> SandboxHandle:
    """Every installed channel's sandbox behind one server socket, not yet serving.

    Quiet (tests, the demo, the benchmarks): an HTTP/1.1 keep-alive server, as the platforms
    keep connections (channels/sandbox_http.py). With the access log (`publisher sandbox`):
    werkzeug's server and its log lines, one connection per request."""
    settings = faults or settings_from_env()
    apps: dict[str, Any] = {}
    titles: dict[str, str] = {}
    for name, cls in available().items():
        app = cls.sandbox(Faults(settings))
        if app is not None:
            apps[name], titles[name] = app, cls.title
    # Tests configure the built-in sandboxes' limits; everything else runs on its defaults.
    if wechat_config is not None:
        apps["wechat"] = WeChatSandbox(wechat_config, Faults(settings))
    if weibo_config is not None:
        apps["weibo"] = WeiboSandbox(weibo_config, Faults(settings))
    app = DispatcherMiddleware(_start_page(titles), {f"/{name}": a for name, a in apps.items()})
    if quiet:
        server = make_keepalive_server(host, port, app)
    else:
        server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return SandboxHandle(f"http://{shown}:{server.server_port}", apps, server)


def start_sandbox(port: int = 0, host: str = "127.0.0.1", **options) -> SandboxHandle:
    """Serve the sandboxes from a daemon thread (tests, the demo); call `.stop()` when done."""
    handle = build_sandbox(host, port, **options)
    handle.thread = threading.Thread(target=handle.server.serve_forever, name="channel-sandbox", daemon=True)
    handle.thread.start()
    return handle
