"""The Weibo adapter against the Weibo sandbox over HTTP: share, picture, every mapped error
code, retract, counts, the hourly budget and lost answers."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from channel_fixtures import LedgerLikeContext, free_port, image_bytes, new_weibo_token
from pydantic import SecretStr

from channels.base import Asset, Rendition
from channels.errors import (
    AuthExpired,
    DuplicateContent,
    Permanent,
    QuotaExceeded,
    Rejected,
    Transient,
    Unconfirmed,
)
from channels.sandbox_app import content_key
from channels.sandbox_server import start_sandbox
from channels.weibo.config import WeiboConfig
from channels.weibo.publishing import WeiboPublisher
from channels.weibo.sandbox import WeiboSandboxConfig, weibo_length
from publisher.runtime.redis_state import MemoryState

SITE = "http://127.0.0.1:8000/news/2024/meeting.html"


def post(text: str = f"【会议】市政府召开全市安全生产工作会议，部署重点工作。{SITE}", picture: bytes | None = None) -> Rendition:
    assets = (Asset("images/pic.jpg", picture, "image/jpeg", "picture"),) if picture else ()
    return Rendition("item-1", "weibo", "wb-main", {"text": text}, assets)


def make_publisher(base_url: str, token: str | None = None, state=None, **options) -> WeiboPublisher:
    config = WeiboConfig(base_url=base_url, **options)
    return WeiboPublisher("wb-main", config, state or MemoryState(), token=SecretStr(token or new_weibo_token()))


def test_share_with_a_picture_is_published_and_readable(sandbox, weibo_admin):
    publisher = make_publisher(sandbox.weibo_base_url)
    ctx = LedgerLikeContext()
    receipt = publisher.publish(post(picture=image_bytes("red", "JPEG")), ctx)

    assert ctx.phase_names() == ["sharing", "posted"]
    assert receipt.remote_id and receipt.url.startswith(sandbox.weibo_base_url + "/")
    assert publisher.status(receipt, ctx).state == "published"
    page = requests.get(receipt.url, timeout=5).text
    assert "市政府召开全市安全生产工作会议" in page and f'href="{SITE}"' in page
    picture_url = page.split('<img src="')[1].split('"')[0]
    assert requests.get(picture_url, timeout=5).headers["Content-Type"] == "image/jpeg"
    counters = weibo_admin.counters()
    assert counters["posts_by_key"] == {ctx.idempotency_key: 1}
    assert counters["posts_by_content"] == {content_key(post().payload["text"]): 1}


def test_a_recorded_post_is_not_sent_again(sandbox, weibo_admin):
    publisher = make_publisher(sandbox.weibo_base_url)
    ctx = LedgerLikeContext()
    first = publisher.publish(post(), ctx)
    again = publisher.publish(post(), LedgerLikeContext(key=ctx.idempotency_key, receipt=ctx.receipt))
    assert again.remote_id == first.remote_id
    assert weibo_admin.counters()["calls"]["/2/statuses/share.json"] == 1


def test_identical_and_similar_text_raise_duplicate_content(sandbox):
    publisher = make_publisher(sandbox.weibo_base_url)
    publisher.publish(post(), LedgerLikeContext())
    with pytest.raises(DuplicateContent) as identical:
        publisher.publish(post(), LedgerLikeContext())
    assert identical.value.code == 20019 and identical.value.earlier_attempt is False
    similar = post(f"【会议】市政府召开全市安全生产工作会议，部署重点工作！ {SITE}?from=weibo")
    with pytest.raises(DuplicateContent) as caught:
        publisher.publish(similar, LedgerLikeContext())
    assert caught.value.code == 20017


def test_a_lost_share_answer_is_unconfirmed_then_the_retry_reports_our_own_duplicate(sandbox, weibo_admin):
    weibo_admin.faults(timeout={"paths": ["/2/statuses/share.json"], "seconds": 1.5, "times": 1})
    publisher = make_publisher(sandbox.weibo_base_url, timeout_seconds=0.5)
    ctx = LedgerLikeContext()
    with pytest.raises(Unconfirmed):
        publisher.publish(post(), ctx)
    # The ledger may ask again: Weibo refuses the repeat, and we learn it was our earlier attempt.
    with pytest.raises(DuplicateContent) as caught:
        publisher.publish(post(), LedgerLikeContext(key=ctx.idempotency_key, receipt=ctx.receipt))
    assert caught.value.earlier_attempt is True
    assert weibo_admin.counters()["posts_by_key"] == {ctx.idempotency_key: 1}
    assert publisher.reconcile(ctx.receipt, ctx) is None  # cannot tell by itself


def test_reconcile_reports_posted_and_never_sent(sandbox):
    publisher = make_publisher(sandbox.weibo_base_url)
    ctx = LedgerLikeContext()
    assert publisher.reconcile(ctx.receipt, ctx).state == "absent"
    receipt = publisher.publish(post(), ctx)
    assert publisher.reconcile(receipt, ctx).state == "published"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("没有链接的一条微博", 10017),
        ("链接不在安全域名 http://example.com/a.html", 10017),
        ("长" * 121 + f" {SITE}", 20012),
        ("", None),
    ],
)
def test_text_rules(sandbox, text, code):
    publisher = make_publisher(sandbox.weibo_base_url)
    with pytest.raises(Rejected) as caught:
        publisher.publish(post(text), LedgerLikeContext())
    assert caught.value.code == code


def test_length_counting_follows_the_weights():
    assert weibo_length("中文", 20) == 2
    assert weibo_length("abc", 20) == 2  # 1.5 rounds up
    assert weibo_length("😀", 20) == 2
    assert weibo_length(f"一 {SITE}", 20) == 22  # 1 + 0.5 + one link
    assert weibo_length("长" * 119 + f" {SITE}", 20) == 140


def test_picture_rules(sandbox):
    publisher = make_publisher(sandbox.weibo_base_url)
    with pytest.raises(Rejected) as caught:
        publisher.publish(post(picture=b"not an image at all"), LedgerLikeContext())
    assert caught.value.code == 20005
    big = image_bytes("red", "JPEG") + b"\0" * (5 * 1024 * 1024)
    with pytest.raises(Rejected) as caught:
        publisher.publish(post(f"另一条 {SITE}", picture=big), LedgerLikeContext())
    assert caught.value.code == 20006


def test_expired_and_invalid_tokens_need_reauthorisation(sandbox, weibo_admin):
    token = new_weibo_token()
    weibo_admin.post("expire_token", {"access_token": token})
    with pytest.raises(AuthExpired, match="账号授权已过期，请重新授权") as caught:
        make_publisher(sandbox.weibo_base_url, token=token).publish(post(), LedgerLikeContext())
    assert caught.value.code == 21327 and token not in str(caught.value)
    with pytest.raises(AuthExpired) as caught:
        make_publisher(sandbox.weibo_base_url, token="stolen-or-revoked").publish(post(), LedgerLikeContext())
    assert caught.value.code == 21332
    weibo_admin.post("reauthorize", {"access_token": token})
    assert make_publisher(sandbox.weibo_base_url, token=token).publish(post(), LedgerLikeContext()).remote_id


def test_token_invalidation_fault_expires_the_token(sandbox, weibo_admin):
    weibo_admin.faults(invalidate_token={"times": 1})
    publisher = make_publisher(sandbox.weibo_base_url)
    with pytest.raises(AuthExpired):
        publisher.publish(post(), LedgerLikeContext())
    with pytest.raises(AuthExpired):  # stays expired until re-authorised
        publisher.publish(post(), LedgerLikeContext())


def test_missing_token_names_the_environment_variable(sandbox, monkeypatch):
    monkeypatch.delenv("PUBLISHER_SECRET_WB_MAIN_TOKEN", raising=False)
    publisher = WeiboPublisher("wb-main", WeiboConfig(base_url=sandbox.weibo_base_url), MemoryState())
    with pytest.raises(AuthExpired, match="PUBLISHER_SECRET_WB_MAIN_TOKEN"):
        publisher.publish(post(), LedgerLikeContext())
    monkeypatch.setenv("PUBLISHER_SECRET_WB_MAIN_TOKEN", new_weibo_token())
    assert publisher.publish(post(), LedgerLikeContext()).remote_id


def test_rate_limits_are_transient_with_a_delay():
    handle = start_sandbox(weibo_config=WeiboSandboxConfig(hourly_limit=2, min_interval_seconds=0, daily_post_limit=3))
    try:
        # Start the sandbox day at 10:00 Beijing time, so the hour shift below never crosses
        # midnight (which would reset the daily budget and make the test depend on the clock).
        now = datetime.now(ZoneInfo("Asia/Shanghai"))
        ten = now.replace(hour=10, minute=0, second=0, microsecond=0)
        start_shift = ((ten - now).total_seconds()) % 86400
        requests.post(handle.weibo_base_url + "/_admin/clock", json={"shift_seconds": start_shift}, timeout=5)
        token = new_weibo_token()
        publisher = make_publisher(handle.weibo_base_url, token=token, hourly_limit=100)
        publisher.publish(post(f"第一条 {SITE}"), LedgerLikeContext())
        publisher.publish(post(f"第二条 {SITE}"), LedgerLikeContext())
        with pytest.raises(Transient) as caught:
            publisher.publish(post(f"第三条 {SITE}"), LedgerLikeContext())
        assert caught.value.code == 10024 and caught.value.retry_after >= 600
        requests.post(handle.weibo_base_url + "/_admin/clock", json={"shift_seconds": start_shift + 3700}, timeout=5)
        publisher.publish(post(f"第三条 {SITE}"), LedgerLikeContext())
        with pytest.raises(Transient) as caught:  # the fourth post of the day
            publisher.publish(post(f"第四条 {SITE}"), LedgerLikeContext())
        assert caught.value.code == 10023
    finally:
        handle.stop()
    handle = start_sandbox(weibo_config=WeiboSandboxConfig(min_interval_seconds=60))
    try:
        publisher = make_publisher(handle.weibo_base_url)
        publisher.publish(post(f"第一条 {SITE}"), LedgerLikeContext())
        with pytest.raises(Transient) as caught:
            publisher.publish(post(f"第二条 {SITE}"), LedgerLikeContext())
        assert caught.value.code == 20016 and caught.value.retry_after > 0
    finally:
        handle.stop()


def test_quota_fault_and_hourly_budget(sandbox, weibo_admin):
    token = new_weibo_token()
    uid = sandbox.weibo.uid_of(token)
    weibo_admin.faults(quota_exhausted=[str(uid)])
    with pytest.raises(Transient) as caught:
        make_publisher(sandbox.weibo_base_url, token=token).publish(post(), LedgerLikeContext())
    assert caught.value.code == 10023
    # Our own budget, shared by every worker, pauses the account before Weibo has to refuse.
    state = MemoryState()
    publisher = make_publisher(sandbox.weibo_base_url, state=state, hourly_limit=1)
    publisher.publish(post(), LedgerLikeContext())
    with pytest.raises(QuotaExceeded) as paused:
        make_publisher(sandbox.weibo_base_url, state=state, hourly_limit=1).publish(post(f"又一条 {SITE}"), LedgerLikeContext())
    assert paused.value.reset_at is not None


def test_shut_off_endpoints_and_permissions(sandbox, weibo_admin):
    token = new_weibo_token()
    answer = requests.post(sandbox.weibo_base_url + "/2/statuses/update.json",
                           data={"access_token": token, "status": "x"}, timeout=5).json()
    assert answer["error_code"] == 10014
    weibo_admin.faults(permission_denied=[str(sandbox.weibo.uid_of(token))])
    with pytest.raises(Permanent) as caught:
        make_publisher(sandbox.weibo_base_url, token=token).publish(post(), LedgerLikeContext())
    assert caught.value.code == 10014 and "权限" in caught.value.message


def test_server_errors_are_transient(sandbox, weibo_admin):
    weibo_admin.faults(error={"paths": ["/2/statuses/share.json"]})
    with pytest.raises(Transient):
        make_publisher(sandbox.weibo_base_url).publish(post(), LedgerLikeContext())
    weibo_admin.faults(error={"paths": ["/2/statuses/share.json"], "status": 200})
    with pytest.raises(Transient) as caught:
        make_publisher(sandbox.weibo_base_url).publish(post(), LedgerLikeContext())
    assert caught.value.code == 10002
    assert weibo_admin.counters()["posts_by_content"] == {}
    with pytest.raises(Transient):
        make_publisher(f"http://127.0.0.1:{free_port()}").publish(post(), LedgerLikeContext())


def test_retract_and_counts(sandbox):
    publisher = make_publisher(sandbox.weibo_base_url)
    ctx = LedgerLikeContext()
    receipt = publisher.publish(post(), ctx)
    metrics = publisher.metrics(receipt, ctx)
    assert metrics.likes >= 10 and metrics.shares is not None and metrics.comments is not None
    again = publisher.metrics(receipt, ctx)
    assert (again.likes, again.shares, again.comments) == (metrics.likes, metrics.shares, metrics.comments)
    publisher.retract(receipt, ctx)
    publisher.retract(receipt, ctx)  # already gone (20101) counts as done
    assert ctx.phase_names()[-1] == "retracted"
    assert publisher.metrics(receipt, ctx) is None
    assert "该微博已被作者删除" in requests.get(receipt.url, timeout=5).text
    # Someone else's post cannot be deleted.
    other = make_publisher(sandbox.weibo_base_url).publish(post(f"别人的 {SITE}"), LedgerLikeContext())
    with pytest.raises(Permanent) as caught:
        publisher.retract(other, LedgerLikeContext())
    assert caught.value.code == 20102


def test_the_token_never_reaches_messages_or_receipts(sandbox, weibo_admin):
    token = new_weibo_token()
    publisher = make_publisher(sandbox.weibo_base_url, token=token, timeout_seconds=0.5)
    ctx = LedgerLikeContext()
    receipt = publisher.publish(post(), ctx)
    errors = []
    for fault in ({"timeout": {"seconds": 1.0, "times": 1}}, {"timeout": None, "error": {"times": 1}}):
        weibo_admin.faults(**fault)
        with pytest.raises(Exception) as caught:
            publisher.publish(post(f"另一条 {SITE}"), LedgerLikeContext())
        errors.append(caught.value)
    with pytest.raises(DuplicateContent) as dup:
        publisher.publish(post(), LedgerLikeContext())
    errors.append(dup.value)
    for error in errors:
        assert token not in f"{error} {error!r} {error.__cause__!r} {error.__context__!r}"
    assert token not in json.dumps(ctx.receipt.phases, ensure_ascii=False) + json.dumps(receipt.phases, ensure_ascii=False)
