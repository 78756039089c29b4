"""The sandbox servers' admin side: loopback only, deterministic faults, environment switches,
the start page and `publisher sandbox`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from channel_fixtures import free_port
from werkzeug.test import Client

from channels.sandbox_faults import Faults, FaultSettings, settings_from_env
from channels.wechat.sandbox import WeChatSandbox
from channels.weibo.sandbox import WeiboSandbox


@pytest.mark.parametrize("app_class", [WeChatSandbox, WeiboSandbox])
def test_admin_refuses_other_hosts(app_class):
    app = app_class()
    for path in ("/_admin/counters", "/_admin/faults"):
        outsider = Client(app).get(path, environ_base={"REMOTE_ADDR": "192.168.1.20"})
        assert outsider.status_code == 403 and "仅限本机" in outsider.get_data(as_text=True)
    refused = Client(app).post("/_admin/faults", json={"error": {"rate": 1}}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert refused.status_code == 403 and app.faults.settings.error is None
    for address in ("127.0.0.1", "::1"):
        assert Client(app).get("/_admin/counters", environ_base={"REMOTE_ADDR": address}).status_code == 200
    # The readable pages are for everyone.
    assert Client(app).get("/", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 200


def test_faults_are_deterministic_under_a_seed():
    settings = FaultSettings(seed=42, error={"rate": 0.3})
    draws = [[bool(f.fires("error", "/x")) for _ in range(200)] for f in (Faults(settings), Faults(settings))]
    assert draws[0] == draws[1]
    assert 30 < sum(draws[0]) < 90
    reseeded = Faults(settings)
    reseeded.replace(FaultSettings(seed=42, error={"rate": 0.3}))
    assert [bool(reseeded.fires("error", "/x")) for _ in range(200)] == draws[0]


def test_times_and_paths_limit_a_rule():
    faults = Faults(FaultSettings(error={"paths": ["/a"], "times": 2}))
    assert [bool(faults.fires("error", p)) for p in ("/b", "/a", "/a", "/a")] == [False, True, True, False]


def test_switches_from_the_environment():
    settings = settings_from_env({
        "PUBLISHER_SANDBOX_FAULTS": '{"latency_ms": 5, "review_reject": {"rate": 0.5}}',
        "PUBLISHER_SANDBOX_SEED": "9",
        "PUBLISHER_SANDBOX_ERROR_RATE": "0.25",
        "PUBLISHER_SANDBOX_TIMEOUT_RATE": "0.1",
        "PUBLISHER_SANDBOX_TIMEOUT_SECONDS": "12",
        "PUBLISHER_SANDBOX_QUOTA_EXHAUSTED": "wx-a, *",
        "PUBLISHER_SANDBOX_INVALIDATE_TOKEN_RATE": "0.01",
    })
    assert settings.seed == 9 and settings.latency_ms == 5
    assert settings.error.rate == 0.25 and settings.review_reject.rate == 0.5
    assert (settings.timeout.rate, settings.timeout.seconds) == (0.1, 12.0)
    assert settings.quota_exhausted == ["wx-a", "*"] and settings.invalidate_token.rate == 0.01
    assert settings_from_env({}) == FaultSettings()


def test_admin_rejects_unknown_switches(sandbox):
    answer = requests.post(sandbox.wechat_base_url + "/_admin/faults", json={"eror": {}}, timeout=5)
    assert answer.status_code == 400


def test_latency_switch_slows_api_calls(sandbox, wechat_admin):
    wechat_admin.faults(latency_ms=300)
    started = time.monotonic()
    requests.get(sandbox.wechat_base_url + "/cgi-bin/token", timeout=5)
    assert time.monotonic() - started >= 0.3


def test_start_page_lists_both_sandboxes(sandbox):
    page = requests.get(sandbox.url + "/", timeout=5)
    assert page.status_code == 200 and "微信公众号沙箱" in page.text and "sandbox-token-1" in page.text
    assert requests.get(sandbox.weibo_base_url + "/", timeout=5).status_code == 200
    assert requests.get(sandbox.url + "/nothing", timeout=5).status_code == 404


def test_publisher_sandbox_command_serves_until_stopped(tmp_path):
    port = free_port()
    env = {**os.environ, "PUBLISHER_SANDBOX_ERROR_RATE": "0"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("publisher")), "sandbox", "--port", str(port), "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/wechat/", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "publisher sandbox did not start"
                time.sleep(0.2)
        assert page.status_code == 200 and "微信公众号沙箱" in page.text
        faults = requests.get(f"http://127.0.0.1:{port}/weibo/_admin/faults", timeout=5).json()
        assert faults["seed"] == 3
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/wechat" in out
