"""One HTTP request to a channel, with network failures sorted by what they mean for us.

A request that never left the machine (DNS, refused connection, connect timeout) is safe to
repeat: `Transient`. A request that was sent but whose answer never came (read timeout, reset
mid-way) may have taken effect: for calls that change something public it is `Unconfirmed`, so
nothing re-sends it blindly (DESIGN.md, decision 3); for reads and invisible steps it is
`Transient`.

Messages never quote the URL: WeChat puts the access token in the query string, and requests'
own exception texts contain the full URL. Exceptions are raised `from None` for the same reason.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from channels.errors import Transient, Unconfirmed

IDEMPOTENCY_HEADER = "X-Idempotency-Key"

_QUERY_SECRET = re.compile(r"((?:access_token|appsecret|secret|token)=)[^&\s\"']+", re.IGNORECASE)


class QuerySecretFilter(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string included: mask the credentials
    (an operator turning on DEBUG to chase a problem must not leak WeChat's access token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _QUERY_SECRET.sub(r"\1***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(QuerySecretFilter())


# A kept-alive connection is reused only while it is fresh. A server closes an idle connection
# when it likes (nginx after 75 s, many gateways after 5–15 s); if that happens just as a request
# goes out, the answer is lost, and for a request that changes something public that means an
# unconfirmed publication. Below this idle time no server we know of has closed it yet.
FRESH_SECONDS = 2.0


class FreshSession(requests.Session):
    """A session that keeps its connections only while they are fresh, and no cookies at all
    (one session serves every account of a worker thread: nothing may carry over)."""

    def __init__(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        super().__init__()
        self.fresh_seconds = fresh_seconds
        self._last_used = 0.0
        self._environment: dict[tuple, dict[str, Any]] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: ANN001
        """requests reads the proxy variables (every variable of the environment, twice) and the
        CA bundle variables for every request; a worker's environment does not change while it
        runs, so the answer is kept per host and arguments (issue 17: ~0.3 ms a request)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream,
               verify if isinstance(verify, bool | str | None) else id(verify), str(cert))
        found = self._environment.get(key)
        if found is None:
            found = super().merge_environment_settings(url, dict(proxies or {}), stream, verify, cert)
            if len(self._environment) < 64:
                self._environment[key] = found
        return {**found, "proxies": dict(found["proxies"])}

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if time.monotonic() - self._last_used > self.fresh_seconds:
            self.close()  # drops pooled connections; the next request opens a new one
        self.cookies.clear()
        try:
            return super().request(*args, **kwargs)
        finally:
            self._last_used = time.monotonic()


_sessions = threading.local()


def pooled_session() -> FreshSession:
    """The HTTP session of this thread in this process (issue 17: one TCP connection per burst of
    publications, not one per publication). Never shared across threads, nor inherited by a fork."""
    held = getattr(_sessions, "held", None)
    if held is None or held[0] != os.getpid():
        held = (os.getpid(), FreshSession())
        _sessions.held = held
    return held[1]


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    what: str,
    safe_to_repeat: bool,
    timeout: tuple[float, float],
    **kwargs: Any,
) -> requests.Response:
    """Send and return the response, or raise `Transient` / `Unconfirmed` (never a secret)."""
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError) as exc:
        kind = type(exc).__name__
        raise Transient(f"{what}：无法连接到渠道服务器（{kind}），稍后重试", retry_after=10.0) from None
    except requests.exceptions.ConnectionError as exc:
        kind = type(exc).__name__
        if _never_sent(exc):
            raise Transient(f"{what}：无法连接到渠道服务器（{kind}），稍后重试", retry_after=10.0) from None
        return _lost_answer(what, kind, safe_to_repeat)
    except requests.exceptions.Timeout as exc:  # read timeout: the request was sent
        return _lost_answer(what, type(exc).__name__, safe_to_repeat)
    except requests.exceptions.RequestException as exc:
        raise Transient(f"{what}：请求失败（{type(exc).__name__}）", retry_after=10.0) from None
    _check_server_status(response, what, safe_to_repeat)
    return response


def _check_server_status(response: requests.Response, what: str, safe_to_repeat: bool) -> None:
    """5xx: 503 and 429 say "not processed, come back later"; other 5xx after a changing request
    may come from a gateway after the backend acted, so they are not proof of failure."""
    status = response.status_code
    if status < 500 and status != 429:
        return
    retry_after = _retry_after(response)
    if status in (429, 503) or safe_to_repeat:
        raise Transient(f"{what}：渠道服务器暂时不可用（HTTP {status}），稍后重试", retry_after=retry_after)
    raise Unconfirmed(f"{what}：渠道服务器出错（HTTP {status}），无法确认是否成功；需向渠道核实后再处理")


def _retry_after(response: requests.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 10.0


def _lost_answer(what: str, kind: str, safe_to_repeat: bool) -> requests.Response:
    if safe_to_repeat:
        raise Transient(f"{what}：渠道未应答（{kind}），稍后重试", retry_after=10.0)
    raise Unconfirmed(
        f"{what}：请求已发出但渠道未应答（{kind}），无法确认是否成功；需向渠道核实后再处理，切勿直接重发"
    )


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection itself failed, so no byte of the request reached the server."""
    cause: BaseException | None = exc
    seen = 0
    while cause is not None and seen < 10:
        name = type(cause).__name__
        if name in {"NewConnectionError", "NameResolutionError", "ConnectTimeoutError"}:
            return True
        if isinstance(cause, ConnectionRefusedError):
            return True
        nxt = getattr(cause, "reason", None)
        if nxt is None or nxt is cause:
            nxt = cause.__cause__ or cause.__context__
        cause = nxt
        seen += 1
    # requests wraps urllib3's MaxRetryError; its args carry the reason object.
    for arg in getattr(exc, "args", ()):
        reason = getattr(arg, "reason", None)
        if reason is not None and type(reason).__name__ in {
            "NewConnectionError",
            "NameResolutionError",
            "ConnectTimeoutError",
        }:
            return True
    return False


def json_body(response: requests.Response, what: str) -> dict[str, Any]:
    """The JSON object of a response; anything else is the server's trouble, not ours."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Transient(f"{what}：渠道返回了无法解析的应答（HTTP {response.status_code}）", retry_after=30.0)
    return body


def request_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    what: str,
    safe_to_repeat: bool,
    timeout: tuple[float, float],
    json_body_: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """`send` a request whose answer is a JSON object, with the idempotency key when there is
    one, and a JSON body as UTF-8 text (the platforms count `\\u` escapes as six characters)."""
    headers = dict(headers or {})
    if idempotency_key:
        headers[IDEMPOTENCY_HEADER] = idempotency_key
    data = None
    if json_body_ is not None:
        data = json.dumps(json_body_, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    response = send(session, method, url, what=what, safe_to_repeat=safe_to_repeat, timeout=timeout,
                    headers=headers, data=data, **kwargs)
    return json_body(response, what)


def scrub(text: str, *secrets: str | None) -> str:
    """`text` (a platform's error message) with every given secret masked."""
    for value in secrets:
        if value:
            text = text.replace(value, "***")
    return text
