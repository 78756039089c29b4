"""The WeChat adapter against the WeChat sandbox over HTTP: the whole publishing flow, resume,
lost answers, quotas, review rejection, retract and figures."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests
from channel_fixtures import Crash, LedgerLikeContext, new_appid, wechat_rendition
from pydantic import SecretStr

from channels.base import Receipt
from channels.errors import Permanent, QuotaExceeded, Transient, Unconfirmed
from channels.sandbox_app import content_key
from channels.wechat.client import SHANGHAI, next_local_midnight
from channels.wechat.config import WeChatConfig
from channels.wechat.publishing import WeChatPublisher
from publisher.runtime.redis_state import MemoryState


def make_publisher(sandbox, appid: str | None = None, state=None, **options) -> WeChatPublisher:
    config = WeChatConfig(appid=appid or new_appid(), base_url=sandbox.wechat_base_url, **options)
    return WeChatPublisher("wx-main", config, state or MemoryState(), secret=SecretStr("sandbox-secret"))


def test_publish_runs_every_phase_and_serves_a_readable_page(sandbox, wechat_admin):
    publisher = make_publisher(sandbox)
    ctx = LedgerLikeContext()
    receipt, status = publisher.publish_and_wait(wechat_rendition(), ctx, timeout=10)

    assert status.state == "published"
    assert ctx.phase_names() == ["images", "cover", "draft", "submitting", "submit", "published"]
    assert receipt.url == status.url and receipt.remote_id == status.remote_id
    page = requests.get(status.url, timeout=5)
    assert page.status_code == 200
    assert "市政府召开全市安全生产工作会议" in page.text
    # The body image now points at the sandbox CDN, and that URL serves the picture.
    cdn = ctx.receipt.phases["images"]["body_image_urls"]["images/body.png"]
    assert cdn.startswith(sandbox.wechat_base_url + "/mmbiz/") and cdn in page.text
    assert requests.get(cdn, timeout=5).headers["Content-Type"] == "image/png"
    counters = wechat_admin.counters()
    assert counters["posts_by_key"] == {ctx.idempotency_key: 1}
    assert counters["posts_by_content"][content_key("市政府召开全市安全生产工作会议")] == 1
    assert counters["posts_by_account"] == {publisher.config.appid: {content_key("市政府召开全市安全生产工作会议"): 1}}
    index = requests.get(sandbox.wechat_base_url + "/", timeout=5).text
    assert "已发布" in index and "市政府召开全市安全生产工作会议" in index


def test_the_same_picture_is_uploaded_once_per_account(sandbox, wechat_admin):
    publisher = make_publisher(sandbox)
    publisher.publish(wechat_rendition(title="第一篇"), LedgerLikeContext())
    publisher.publish(wechat_rendition(title="第二篇"), LedgerLikeContext())
    calls = wechat_admin.counters()["calls"]
    assert calls["/cgi-bin/media/uploadimg"] == 1
    assert calls["/cgi-bin/material/add_material"] == 1
    assert calls["/cgi-bin/draft/add"] == 2


def test_crash_after_the_draft_resumes_without_a_second_draft(sandbox, wechat_admin):
    publisher = make_publisher(sandbox)
    rendition = wechat_rendition()
    first = LedgerLikeContext(crash_after="draft")
    with pytest.raises(Crash):
        publisher.publish(rendition, first)
    assert first.receipt.phases["draft"]["draft_media_id"]

    again = LedgerLikeContext(key=first.idempotency_key, receipt=first.receipt)
    receipt, status = publisher.publish_and_wait(rendition, again, timeout=10)
    assert status.state == "published"
    assert again.phase_names()[:2] == ["submitting", "submit"]  # no images, cover or draft again
    calls = wechat_admin.counters()["calls"]
    assert calls["/cgi-bin/draft/add"] == 1
    assert calls["/cgi-bin/freepublish/submit"] == 1


def test_a_recorded_publish_id_is_polled_not_submitted_again(sandbox, wechat_admin):
    publisher = make_publisher(sandbox)
    rendition = wechat_rendition()
    first = LedgerLikeContext(crash_after="submit")
    with pytest.raises(Crash):
        publisher.publish(rendition, first)
    again = LedgerLikeContext(key=first.idempotency_key, receipt=first.receipt)
    _, status = publisher.publish_and_wait(rendition, again, timeout=10)
    assert status.state == "published"
    assert wechat_admin.counters()["calls"]["/cgi-bin/freepublish/submit"] == 1


def test_a_lost_submit_answer_is_unconfirmed_and_never_resent(sandbox, wechat_admin):
    wechat_admin.faults(timeout={"paths": ["/cgi-bin/freepublish/submit"], "seconds": 1.5})
    publisher = make_publisher(sandbox, timeout_seconds=0.5)
    ctx = LedgerLikeContext()
    with pytest.raises(Unconfirmed):
        publisher.publish(wechat_rendition(), ctx)
    wechat_admin.faults(timeout=None)
    # The sandbox did publish it: exactly why it must not be sent again.
    assert wechat_admin.counters()["posts_by_key"] == {ctx.idempotency_key: 1}
    again = LedgerLikeContext(key=ctx.idempotency_key, receipt=ctx.receipt)
    with pytest.raises(Unconfirmed, match="核实"):
        publisher.publish(wechat_rendition(), again)
    assert wechat_admin.counters()["calls"]["/cgi-bin/freepublish/submit"] == 1


def test_a_lost_submit_is_reconciled_from_the_published_list(sandbox, wechat_admin):
    wechat_admin.faults(timeout={"paths": ["/cgi-bin/freepublish/submit"], "seconds": 1.0})
    publisher = make_publisher(sandbox, timeout_seconds=0.3)
    ctx = LedgerLikeContext()
    rendition = wechat_rendition(title="丢失应答的文章")
    with pytest.raises(Unconfirmed):
        publisher.publish(rendition, ctx)
    wechat_admin.faults(timeout=None)
    time.sleep(1.0)  # the job finishes in the sandbox
    status = publisher.reconcile(ctx.receipt, ctx)
    assert status is not None and status.state == "published"
    assert "丢失应答的文章" in requests.get(status.url, timeout=5).text
    assert ctx.receipt.phases["published"]["reconciled"] is True
    # A title that never went out is not found: it cannot tell.
    started = ctx.receipt.phases["submitting"]["submit_started_at"]
    other = LedgerLikeContext(receipt=Receipt(phases={"submitting": {"submit_started_at": started, "title": "从未发出的文章"}}))
    assert publisher.reconcile(other.receipt, other) is None


def test_reconcile_knows_what_was_never_submitted_or_already_submitted(sandbox):
    publisher = make_publisher(sandbox)
    crashed = LedgerLikeContext(crash_after="draft")
    with pytest.raises(Crash):
        publisher.publish(wechat_rendition(), crashed)
    assert publisher.reconcile(crashed.receipt, crashed).state == "absent"
    submitted = LedgerLikeContext(crash_after="submit")
    with pytest.raises(Crash):
        publisher.publish(wechat_rendition(title="已提交"), submitted)
    assert publisher.reconcile(submitted.receipt, submitted).state in ("publishing", "published")


def test_a_refused_submit_can_be_retried(sandbox, wechat_admin):
    wechat_admin.faults(error={"paths": ["/cgi-bin/freepublish/submit"], "times": 1})
    publisher = make_publisher(sandbox)
    ctx = LedgerLikeContext()
    with pytest.raises(Transient):
        publisher.publish(wechat_rendition(), ctx)
    again = LedgerLikeContext(key=ctx.idempotency_key, receipt=ctx.receipt)
    _, status = publisher.publish_and_wait(wechat_rendition(), again, timeout=10)
    assert status.state == "published"
    assert wechat_admin.counters()["posts_by_key"] == {ctx.idempotency_key: 1}


def test_review_rejection_ends_failed_with_the_reason(sandbox, wechat_admin):
    wechat_admin.faults(review_reject={"rate": 1.0})
    publisher = make_publisher(sandbox)
    receipt, status = publisher.publish_and_wait(wechat_rendition(), LedgerLikeContext(), timeout=10)
    assert status.state == "failed"
    assert "审核不通过" in status.reason
    assert receipt.url is None


def test_injected_quota_exhaustion_pauses_the_account_until_midnight(sandbox, wechat_admin):
    appid = new_appid()
    wechat_admin.faults(quota_exhausted=[appid])
    publisher = make_publisher(sandbox, appid=appid)
    with pytest.raises(QuotaExceeded) as caught:
        publisher.publish(wechat_rendition(), LedgerLikeContext())
    reset = caught.value.reset_at
    assert caught.value.code == 45009 and "45009" in caught.value.message
    assert reset == next_local_midnight() and reset > datetime.now(SHANGHAI)
    assert (reset.hour, reset.minute, str(reset.tzinfo)) == (0, 0, "Asia/Shanghai")
    # clear_quota gives the account its budget back.
    publisher.client.call("/cgi-bin/clear_quota", what="清零", safe_to_repeat=True, json_body_={"appid": appid})
    _, status = publisher.publish_and_wait(wechat_rendition(), LedgerLikeContext(), timeout=10)
    assert status.state == "published"


def test_daily_quota_of_the_sandbox_counts_calls():
    from channels.sandbox_server import start_sandbox
    from channels.wechat.sandbox import WeChatSandboxConfig

    handle = start_sandbox(wechat_config=WeChatSandboxConfig(quotas={"/cgi-bin/freepublish/get": 2}))
    try:
        publisher = make_publisher(handle)
        receipt = publisher.publish(wechat_rendition(), LedgerLikeContext())
        publisher.status(receipt, LedgerLikeContext())
        publisher.status(receipt, LedgerLikeContext())
        with pytest.raises(QuotaExceeded):
            publisher.status(receipt, LedgerLikeContext())
    finally:
        handle.stop()


def test_retract_deletes_the_article_and_is_safe_to_repeat(sandbox):
    publisher = make_publisher(sandbox)
    ctx = LedgerLikeContext()
    receipt, _ = publisher.publish_and_wait(wechat_rendition(), ctx, timeout=10)
    publisher.retract(receipt, ctx)
    assert publisher.status(receipt, ctx).state == "deleted"
    assert "该内容已被发布者删除" in requests.get(receipt.url, timeout=5).text
    publisher.retract(receipt, ctx)
    assert ctx.phase_names()[-1] == "retracted"


def test_metrics_come_from_datacube_from_the_next_day(sandbox, wechat_admin):
    publisher = make_publisher(sandbox)
    ctx = LedgerLikeContext()
    receipt, _ = publisher.publish_and_wait(wechat_rendition(), ctx, timeout=10)
    assert publisher.metrics(receipt, ctx) is None  # same day: the platform has no figures yet
    wechat_admin.post("clock", {"shift_days": 1})
    first = publisher.metrics(receipt, ctx)
    second = publisher.metrics(receipt, ctx)
    assert first.reads > 0 and first.shares > 0
    assert (first.reads, first.shares) == (second.reads, second.shares)
    summary = publisher.client.call(
        "/datacube/getarticlesummary",
        what="图文群发每日数据",
        safe_to_repeat=True,
        json_body_={"begin_date": ctx.receipt.phases["published"]["published_at"][:10]} | {
            "end_date": ctx.receipt.phases["published"]["published_at"][:10]
        },
    )
    assert summary["list"][0]["int_page_read_count"] > 0


def test_publish_wait_seconds_returns_a_final_receipt(sandbox):
    publisher = make_publisher(sandbox, publish_wait_seconds=3)
    receipt = publisher.publish(wechat_rendition(), LedgerLikeContext())
    assert receipt.url and receipt.remote_id


def test_missing_cover_is_rejected_before_anything_is_drafted(sandbox, wechat_admin):
    rendition = wechat_rendition(cover=None)
    rendition = rendition.__class__(
        rendition.item_id, rendition.channel, rendition.account_id, rendition.payload,
        tuple(a for a in rendition.assets if a.role != "cover"),
    )
    with pytest.raises(Permanent, match="封面"):
        make_publisher(sandbox).publish(rendition, LedgerLikeContext())
    assert "/cgi-bin/draft/add" not in wechat_admin.counters()["calls"]
