"""The sandbox's admin endpoints (faults, counters, clock, reset, token switches) answer loopback
clients only — through the combined server app (both sandboxes behind one port), for every admin
route, for IPv4, IPv6 and IPv4-mapped addresses — while the real loopback server answers 200.
(tests/channels/test_sandbox_admin.py covers each sandbox app on its own.)"""

from __future__ import annotations

import pytest
import requests
from werkzeug.test import Client

from channels.sandbox_server import build_sandbox, start_sandbox

ADMIN = [
    ("GET", "/wechat/_admin/faults"), ("POST", "/wechat/_admin/faults"), ("GET", "/wechat/_admin/counters"),
    ("POST", "/wechat/_admin/clock"), ("POST", "/wechat/_admin/reset"), ("POST", "/wechat/_admin/invalidate_token"),
    ("GET", "/weibo/_admin/faults"), ("POST", "/weibo/_admin/faults"), ("GET", "/weibo/_admin/counters"),
    ("POST", "/weibo/_admin/clock"), ("POST", "/weibo/_admin/reset"), ("POST", "/weibo/_admin/expire_token"),
    ("POST", "/weibo/_admin/reauthorize"),
]
OUTSIDERS = ["192.168.1.20", "10.0.0.1", "203.0.113.9", "fe80::1", "2001:db8::1", "::ffff:192.168.1.20", "127.0.0.1.evil"]
BODY = '{"error": {"rate": 1}, "shift_days": 3, "appid": "wx-sandbox-1", "access_token": "sandbox-token-1"}'


@pytest.fixture(scope="module")
def combined_app():
    handle = build_sandbox()
    handle.server.server_close()  # only the WSGI app is used here
    return handle.server.app, handle


@pytest.mark.parametrize("method,path", ADMIN)
@pytest.mark.parametrize("address", OUTSIDERS)
def test_admin_refuses_non_loopback_clients(combined_app, method, path, address):
    app, handle = combined_app
    response = Client(app).open(path, method=method, data=BODY, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 403, (path, address, response.status_code)
    # Nothing changed behind the refusal.
    assert handle.wechat.faults.settings.error is None and handle.weibo.faults.settings.error is None
    assert handle.wechat.clock_shift == 0 and handle.weibo.clock_shift == 0


def test_spoofed_forwarding_headers_do_not_help(combined_app):
    app, _ = combined_app
    headers = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Host": "127.0.0.1"}
    response = Client(app).get("/wechat/_admin/counters", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 403


def test_the_real_loopback_server_answers_admin_and_api():
    handle = start_sandbox(port=0)
    try:
        for name in ("wechat", "weibo"):
            assert requests.get(f"{handle.url}/{name}/_admin/counters", timeout=10).status_code == 200
            changed = requests.post(f"{handle.url}/{name}/_admin/faults", data='{"latency_ms": 1}', timeout=10)
            assert changed.status_code == 200 and changed.json()["latency_ms"] == 1
        assert requests.get(f"{handle.url}/wechat/", timeout=10).status_code == 200
    finally:
        handle.stop()
