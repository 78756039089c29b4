"""Every errcode the WeChat adapter maps, produced by the sandbox over HTTP, and the token rules."""

from __future__ import annotations

import json

import pytest
import requests
from channel_fixtures import LedgerLikeContext, free_port, image_bytes, new_appid, wechat_rendition
from pydantic import SecretStr

from channels.errors import AuthExpired, Permanent, QuotaExceeded, Rejected, Transient, Unconfirmed
from channels.sandbox_server import start_sandbox
from channels.wechat.client import WeChatClient, error_for
from channels.wechat.config import WeChatConfig
from channels.wechat.publishing import WeChatPublisher
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.runtime.redis_state import MemoryState


def make_client(base_url: str, appid: str | None = None, secret: str = "sandbox-secret", **options) -> WeChatClient:
    config = WeChatConfig(appid=appid or new_appid(), base_url=base_url, **options)
    return WeChatClient("wx-main", config, MemoryState(), secret=SecretStr(secret))


def draft(client: WeChatClient, **fields) -> dict:
    thumb = client.call(
        "/cgi-bin/material/add_material",
        what="封面",
        safe_to_repeat=True,
        params={"type": "image"},
        files={"media": ("c.jpg", image_bytes("blue", "JPEG"), "image/jpeg")},
    )["media_id"]
    article = {"title": "标题", "author": "作者", "content": "<p>正文</p>", "thumb_media_id": thumb, **fields}
    return client.call("/cgi-bin/draft/add", what="新建草稿", safe_to_repeat=True, json_body_={"articles": [article]})


# -- token rules of the sandbox (the platform's, per reference/channels.md) --------------------------


def test_stable_token_is_the_same_until_forced(sandbox):
    url = sandbox.wechat_base_url + "/cgi-bin/stable_token"
    body = {"grant_type": "client_credential", "appid": new_appid(), "secret": "sandbox-secret"}
    first = requests.post(url, json=body, timeout=5).json()
    second = requests.post(url, json=body, timeout=5).json()
    assert first["access_token"] == second["access_token"] and 7000 < first["expires_in"] <= 7200
    forced = requests.post(url, json={**body, "force_refresh": True}, timeout=5).json()
    assert forced["access_token"] != first["access_token"]
    too_soon = requests.post(url, json={**body, "force_refresh": True}, timeout=5).json()
    assert too_soon["errcode"] == 45011
    # The old token was revoked by the forced refresh.
    old = requests.post(
        sandbox.wechat_base_url + "/cgi-bin/freepublish/get",
        params={"access_token": first["access_token"]}, json={"publish_id": 1}, timeout=5,
    ).json()
    assert old["errcode"] == 40001


def test_forced_refresh_is_limited_to_twenty_a_day():
    handle = start_sandbox(wechat_config=WeChatSandboxConfig(forced_refresh_interval_seconds=0))
    try:
        url = handle.wechat_base_url + "/cgi-bin/stable_token"
        body = {"grant_type": "client_credential", "appid": new_appid(), "secret": "sandbox-secret", "force_refresh": True}
        codes = [requests.post(url, json=body, timeout=5).json().get("errcode", 0) for _ in range(21)]
        assert codes == [0] * 20 + [45009]
    finally:
        handle.stop()


def test_legacy_token_call_invalidates_the_previous_one_after_an_overlap(sandbox):
    appid = new_appid()
    url = sandbox.wechat_base_url + "/cgi-bin/token"
    params = {"grant_type": "client_credential", "appid": appid, "secret": "sandbox-secret"}
    first = requests.get(url, params=params, timeout=5).json()["access_token"]
    second = requests.get(url, params=params, timeout=5).json()["access_token"]
    assert first != second
    token = sandbox.wechat.tokens.tokens[first]
    assert token.expires_at - sandbox.wechat.now() <= 300  # the five-minute overlap
    assert sandbox.wechat.tokens.tokens[second].expires_at - sandbox.wechat.now() > 7000


def test_wrong_credentials_are_auth_expired_without_the_secret(sandbox):
    client = make_client(sandbox.wechat_base_url, secret="a-wrong-secret-123")
    with pytest.raises(AuthExpired) as caught:
        client.access_token()
    assert caught.value.code == 40125
    assert "a-wrong-secret-123" not in str(caught.value) and "AppSecret" in str(caught.value)
    with pytest.raises(AuthExpired) as caught:
        make_client(sandbox.wechat_base_url, appid="gh_not_an_appid").access_token()
    assert caught.value.code == 40013


def test_missing_secret_names_the_environment_variable(sandbox, monkeypatch):
    monkeypatch.delenv("PUBLISHER_SECRET_WX_NOSECRET", raising=False)
    client = WeChatClient("wx-nosecret", WeChatConfig(appid=new_appid(), base_url=sandbox.wechat_base_url), MemoryState())
    with pytest.raises(AuthExpired, match="PUBLISHER_SECRET_WX_NOSECRET"):
        client.access_token()
    monkeypatch.setenv("PUBLISHER_SECRET_WX_NOSECRET", "sandbox-secret")
    assert client.access_token()


# -- token rejection: one forced refresh, then retry once -------------------------------------------


def test_revoked_token_is_refreshed_once_and_the_call_retried(sandbox, wechat_admin):
    appid = new_appid()
    client = make_client(sandbox.wechat_base_url, appid=appid)
    old = client.access_token()
    wechat_admin.post("invalidate_token", {"appid": appid})
    draft(client)  # 40001 -> forced refresh -> success
    assert client.access_token() != old
    fetches = wechat_admin.counters()["token_fetches"][appid]
    assert fetches["forced"] == 1 and fetches["stable"] == 1

    # Again within 30 s: no second forced refresh; come back later.
    wechat_admin.post("invalidate_token", {"appid": appid})
    with pytest.raises(Transient) as caught:
        draft(client)
    assert 0 < caught.value.retry_after <= 30
    assert wechat_admin.counters()["token_fetches"][appid]["forced"] == 1


def test_a_token_refused_even_after_forced_refresh_is_auth_expired(sandbox, wechat_admin):
    client = make_client(sandbox.wechat_base_url)
    client.access_token()
    wechat_admin.faults(invalidate_token={"paths": ["/cgi-bin/freepublish/get"]})
    with pytest.raises(AuthExpired) as caught:
        client.call("/cgi-bin/freepublish/get", what="查询", safe_to_repeat=True, json_body_={"publish_id": 1})
    assert caught.value.code == 40001


def test_forced_refreshes_used_up_today_pause_the_account(sandbox, wechat_admin):
    client = make_client(sandbox.wechat_base_url, forced_refresh_per_day=0)
    client.access_token()
    wechat_admin.post("invalidate_token", {"appid": client.config.appid})
    with pytest.raises(QuotaExceeded) as caught:
        draft(client)
    assert caught.value.reset_at is not None


def test_expired_and_unknown_tokens(sandbox):
    get = sandbox.wechat_base_url + "/cgi-bin/freepublish/get"
    assert requests.post(get, json={}, timeout=5).json()["errcode"] == 41001
    assert requests.post(get, params={"access_token": "nope"}, json={}, timeout=5).json()["errcode"] == 40014
    handle = start_sandbox(wechat_config=WeChatSandboxConfig(token_ttl_seconds=0.2))
    try:
        client = make_client(handle.wechat_base_url, token_margin_seconds=0)
        token = client.access_token()
        import time

        time.sleep(0.3)
        body = requests.post(handle.wechat_base_url + "/cgi-bin/freepublish/get",
                             params={"access_token": token}, json={}, timeout=5).json()
        assert body["errcode"] == 42001
        # The adapter notices the expiry itself and fetches a fresh one.
        assert client.access_token() != token
    finally:
        handle.stop()


# -- other errcodes -------------------------------------------------------------------------


def test_system_busy_and_5xx_are_transient(sandbox, wechat_admin):
    client = make_client(sandbox.wechat_base_url)
    client.access_token()
    wechat_admin.faults(error={"status": 200, "paths": ["/cgi-bin/draft/add"]})
    with pytest.raises(Transient) as caught:
        draft(client)
    assert caught.value.code == -1
    wechat_admin.faults(error={"status": 503, "paths": ["/cgi-bin/draft/add"]})
    with pytest.raises(Transient, match="503"):
        draft(client)
    # A 500 after a changing call may have been processed behind a gateway: unconfirmed.
    wechat_admin.faults(error={"status": 500, "paths": ["/cgi-bin/freepublish/submit"]})
    with pytest.raises(Unconfirmed):
        client.call("/cgi-bin/freepublish/submit", what="提交", safe_to_repeat=False, json_body_={"media_id": "x"})


def test_permission_denied_is_permanent_with_a_chinese_message(sandbox, wechat_admin):
    appid = new_appid()
    wechat_admin.faults(permission_denied=[appid])
    publisher = WeChatPublisher(
        "wx-main", WeChatConfig(appid=appid, base_url=sandbox.wechat_base_url), MemoryState(),
        secret=SecretStr("sandbox-secret"),
    )
    with pytest.raises(Permanent) as caught:
        publisher.publish(wechat_rendition(), LedgerLikeContext())
    assert caught.value.code == 48001 and "没有该接口的权限" in caught.value.message


def test_image_rules(sandbox):
    client = make_client(sandbox.wechat_base_url)

    def upload(data: bytes, name: str, mime: str):
        return client.call("/cgi-bin/media/uploadimg", what="上传", safe_to_repeat=True, files={"media": (name, data, mime)})

    assert upload(image_bytes("red", "JPEG"), "a.jpg", "image/jpeg")["url"].startswith(sandbox.wechat_base_url + "/mmbiz/")
    with pytest.raises(Rejected) as caught:
        upload(image_bytes("red", "GIF"), "a.gif", "image/gif")
    assert caught.value.code == 40005
    big = image_bytes("red", "PNG", (10, 10)) + b"\0" * (1024 * 1024)
    with pytest.raises(Rejected) as caught:
        upload(big, "big.png", "image/png")
    assert caught.value.code == 40009
    with pytest.raises(Rejected) as caught:  # thumbs are JPG only
        client.call("/cgi-bin/material/add_material", what="缩略图", safe_to_repeat=True, params={"type": "thumb"},
                    files={"media": ("t.png", image_bytes(), "image/png")})
    assert caught.value.code == 40005


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "标" * 33}, 45003),
        ({"author": "作" * 17}, 45110),
        ({"digest": "摘" * 129}, 45004),
        ({"content": "字" * 20000}, 45002),
        ({"content_source_url": "http://127.0.0.1/" + "a" * 1100}, 45005),
    ],
)
def test_field_limits_are_rejected(sandbox, fields, code):
    with pytest.raises(Rejected) as caught:
        draft(make_client(sandbox.wechat_base_url), **fields)
    assert caught.value.code == code


def test_limits_are_inclusive_and_foreign_content_is_stripped(sandbox):
    client = make_client(sandbox.wechat_base_url)
    content = '<p>正文<script>alert(1)</script><img src="http://example.com/x.png"><a href="http://example.com">外链</a></p>'
    media_id = draft(client, title="标" * 32, author="作" * 16, digest="", content=content)["media_id"]
    stored = sandbox.wechat.drafts[media_id]["articles"][0]
    assert "script" not in stored["content"] and "example.com" not in stored["content"]
    assert "外链" in stored["content"] and stored["digest"] == "正文外链"


def test_unknown_media_ids_are_permanent(sandbox):
    client = make_client(sandbox.wechat_base_url)
    with pytest.raises(Permanent) as caught:
        client.call("/cgi-bin/draft/add", what="草稿", safe_to_repeat=True,
                    json_body_={"articles": [{"title": "t", "content": "c", "thumb_media_id": "nope"}]})
    assert caught.value.code == 40007
    with pytest.raises(Permanent) as caught:
        client.call("/cgi-bin/freepublish/submit", what="提交", safe_to_repeat=False, json_body_={"media_id": "nope"})
    assert caught.value.code == 40007


def test_unknown_errcodes_become_permanent_errors():
    error = error_for(99999, "something odd", "测试")
    assert isinstance(error, Permanent) and "99999" in error.message
    assert isinstance(error_for(45011, "", "测试"), Transient)


# -- network failures and secrets --------------------------------------------------------------------


def test_connection_refused_is_transient():
    client = make_client(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(Transient) as caught:
        client.access_token()
    assert caught.value.__cause__ is None and "127.0.0.1" not in caught.value.message


def test_secrets_and_tokens_never_reach_messages_or_receipts(sandbox, wechat_admin):
    secret = "S3cret-value-never-shown"
    handle = start_sandbox(wechat_config=WeChatSandboxConfig(secret=secret, publish_delay_seconds=0.1))
    try:
        appid = new_appid()
        state = MemoryState()
        publisher = WeChatPublisher(
            "wx-main", WeChatConfig(appid=appid, base_url=handle.wechat_base_url, timeout_seconds=0.5),
            state, secret=SecretStr(secret),
        )
        ctx = LedgerLikeContext()
        receipt, _ = publisher.publish_and_wait(wechat_rendition(), ctx, timeout=10)
        token = publisher.client.access_token()
        errors: list[Exception] = []
        requests.post(handle.wechat_base_url + "/_admin/faults",
                      json={"timeout": {"paths": ["/cgi-bin/freepublish/submit"], "seconds": 1.0}}, timeout=5)
        with pytest.raises(Unconfirmed) as lost:
            publisher.publish(wechat_rendition(title="另一篇"), LedgerLikeContext())
        errors.append(lost.value)
        requests.post(handle.wechat_base_url + "/_admin/faults", json={"timeout": None, "quota_exhausted": [appid]}, timeout=5)
        with pytest.raises(QuotaExceeded) as quota:
            publisher.publish(wechat_rendition(title="第三篇"), LedgerLikeContext())
        errors.append(quota.value)
        requests.post(handle.wechat_base_url + "/_admin/invalidate_token", json={"appid": appid}, timeout=5)
        requests.post(handle.wechat_base_url + "/_admin/faults",
                      json={"quota_exhausted": [], "invalidate_token": {"paths": ["/cgi-bin/freepublish/get"]}}, timeout=5)
        with pytest.raises(AuthExpired) as auth:
            publisher.status(receipt, ctx)
        errors.append(auth.value)
        for error in errors:
            text = f"{error} {error!r} {error.__cause__!r} {error.__context__!r}"
            assert secret not in text and token not in text and "access_token" not in text
        phases = json.dumps(ctx.receipt.phases, ensure_ascii=False) + json.dumps(receipt.phases, ensure_ascii=False)
        assert secret not in phases and token not in phases
    finally:
        handle.stop()
