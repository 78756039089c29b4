"""The 抖音 adapter against the real sandbox over HTTP: publish (simple and part upload),
status, retract, reach, token refresh/renewal/expiry (single-flight across workers on a real
Redis), a lost answer on create → Unconfirmed (never re-sent) and reconciled."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from channel_fixtures import Crash, LedgerLikeContext, SandboxAdmin
from douyin_fixtures import load, make_repo
from pydantic import SecretStr

from channels.douyin.client import REAUTHORISE, DouyinClient
from channels.douyin.config import DouyinConfig
from channels.douyin.publishing import DouyinPublisher, recorded
from channels.douyin.sandbox import DouyinSandboxConfig, serve
from channels.errors import AuthExpired, Permanent, Unconfirmed
from publisher.runtime.redis_state import MemoryState, RedisState

SECRET = SecretStr("sandbox-client-secret")


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    url, _, server = serve(config=DouyinSandboxConfig(part_min=64 * 1024))
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def admin(sandbox_url) -> SandboxAdmin:
    requests.post(f"{sandbox_url}/_admin/reset", timeout=5).raise_for_status()
    return SandboxAdmin(sandbox_url)


@pytest.fixture(scope="module")
def rendition(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    make_repo(root, pictures=2, script=["第一条字幕", "第二条字幕"])
    item, channel = load(root)
    return channel.render(item)


def account(sandbox_url: str, **options) -> tuple[DouyinConfig, SecretStr]:
    open_id = f"open-{uuid.uuid4().hex[:10]}"
    config = DouyinConfig(base_url=sandbox_url, client_key="sandbox-client", open_id=open_id,
                          **{"timeout_seconds": 2.0, **options})
    return config, SecretStr(f"rft.sandbox-{open_id}")


def publisher(config, seed, state=None) -> DouyinPublisher:
    return DouyinPublisher("bj-douyin", config, state or MemoryState(), secret=SECRET, refresh_seed=seed)


def test_publish_status_retract_and_reach(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url)
    pub, ctx = publisher(config, seed), LedgerLikeContext()
    receipt = pub.publish(rendition, ctx)
    assert ctx.phase_names() == ["uploaded", "creating", "created"]
    item_id = recorded(receipt.phases, "item_id")
    status = pub.status(receipt, ctx)
    assert (status.state, status.remote_id) == ("published", item_id)
    assert status.url == f"{sandbox_url}/v/{item_id}"
    text_key = hashlib.sha256(rendition.payload["text"].encode()).hexdigest()
    assert admin.counters()["posts_by_account"][config.open_id] == {text_key: 1}
    # the readable page plays the very bytes we rendered
    page = requests.get(status.url, timeout=5).text
    assert "<video" in page and rendition.payload["text"] in page
    src = page.split('src="')[1].split('"')[0]
    video = next(a for a in rendition.assets if a.role == "video")
    assert requests.get(src, timeout=5).content == video.data
    # reach
    metrics = pub.metrics(receipt, ctx)
    from channels.douyin.sandbox_pages import figures

    expected = figures(item_id)
    assert (metrics.reads, metrics.likes, metrics.comments, metrics.shares) == (
        expected["play_count"], expected["digg_count"], expected["comment_count"], expected["share_count"])
    # publishing again with the same receipt does not post twice
    pub.publish(rendition, ctx)
    assert sum(admin.counters()["posts_by_account"][config.open_id].values()) == 1
    # retract, twice (the second finds it gone and is content)
    pub.retract(receipt, ctx)
    assert pub.status(receipt, ctx).state == "deleted"
    pub.retract(receipt, ctx)
    assert "该视频已被作者删除" in requests.get(status.url, timeout=5).text


def test_under_review_then_published_or_rejected(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url)
    pub, ctx = publisher(config, seed), LedgerLikeContext()
    admin.faults(review_reject={"rate": 1.0, "times": 1})
    receipt = pub.publish(rendition, ctx)
    status = pub.status(receipt, ctx)
    assert status.state == "failed" and "不适宜公开" in status.reason


def test_part_upload_for_large_videos_resumes_after_a_crash(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url, part_upload_from=100 * 1024, part_size=64 * 1024)
    video = next(a for a in rendition.assets if a.role == "video")
    parts = (len(video.data) + 64 * 1024 - 1) // (64 * 1024)
    assert parts >= 3
    pub = publisher(config, seed)
    ctx = LedgerLikeContext()
    # crash after the second part was recorded
    calls = {"n": 0}
    original = ctx.record

    def record(phase, **data):
        original(phase, **data)
        if phase == "part_upload" and len(data.get("parts_done") or []) == 2:
            calls["n"] += 1
            raise Crash("after part 2")

    ctx.record = record
    with pytest.raises(Crash):
        pub.publish(rendition, ctx)
    upload_id = recorded(ctx.receipt.phases, "upload_id")
    ctx.record = original
    receipt = pub.publish(rendition, ctx)
    assert recorded(receipt.phases, "upload_id") == upload_id, "the same upload continued"
    assert recorded(receipt.phases, "parts_done") == list(range(1, parts + 1))
    assert admin.counters()["calls"]["/video/part/upload/"] == parts
    assert pub.status(receipt, ctx).state == "published"


def test_lost_answer_on_create_is_unconfirmed_and_never_resent(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url, timeout_seconds=0.5)
    pub, ctx = publisher(config, seed), LedgerLikeContext()
    admin.faults(timeout={"rate": 1.0, "paths": ["/video/create/"], "seconds": 1.5, "times": 1})
    with pytest.raises(Unconfirmed):
        pub.publish(rendition, ctx)
    assert recorded(ctx.receipt.phases, "create_started_at")
    with pytest.raises(Unconfirmed):
        pub.publish(rendition, ctx)  # the next attempt asks for a check, it does not re-send
    time.sleep(1.2)  # the late answer left the sandbox; the post is there
    counters = admin.counters()
    assert sum(counters["posts_by_account"][config.open_id].values()) == 1
    assert counters["calls"]["/video/create/"] == 1
    status = pub.reconcile(ctx.receipt, ctx)
    assert status.state == "published"
    assert recorded(ctx.receipt.phases, "reconciled") is True


def test_refused_create_clears_the_mark_and_uploads_again(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url)
    pub, ctx = publisher(config, seed), LedgerLikeContext()
    admin.faults(permission_denied=[config.open_id])
    with pytest.raises(Permanent) as refused:
        pub.publish(rendition, ctx)
    assert "2100007" in refused.value.message
    assert recorded(ctx.receipt.phases, "create_started_at") is None
    admin.faults(permission_denied=[])
    assert pub.reconcile(ctx.receipt, ctx).state == "absent"


def test_token_refresh_renewal_and_expiry(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url)
    state = MemoryState()
    pub, ctx = publisher(config, seed, state), LedgerLikeContext()
    pub.publish(rendition, ctx)
    assert admin.counters()["token_refreshes"] == 1
    publisher(config, seed, state).status(ctx.receipt, ctx)  # another worker: the cached token
    assert admin.counters()["token_refreshes"] == 1
    # 16 days on: the access token has expired → one refresh; 24 days: the refresh token is
    # within 7 days of its end → renewed (a new 30-day one)
    admin.post("clock", {"shift_days": 16})
    client = DouyinClient("bj-douyin", config, state, secret=SECRET, refresh_seed=seed)
    client.refresh_rejected(client.access_token())
    assert admin.counters()["token_refreshes"] >= 2
    admin.post("clock", {"shift_days": 24})
    client.refresh_rejected(client.access_token())
    assert admin.counters()["token_renewals"] == 1
    # 50 days from the start: still authorised thanks to the renewal
    admin.post("clock", {"shift_days": 50})
    client.refresh_rejected(client.access_token())
    assert pub.status(ctx.receipt, ctx).state == "published"
    # the owner cancels the authorisation: the account must be re-authorised
    admin.post("revoke", {"open_id": config.open_id})
    with pytest.raises(AuthExpired) as expired:
        pub.metrics(ctx.receipt, ctx)
    assert REAUTHORISE in expired.value.message
    assert "rft." not in expired.value.message and "act." not in expired.value.message


def test_refresh_token_expiry_pauses_with_reauthorise_message(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url, renew_refresh_before_days=0)
    pub, ctx = publisher(config, seed), LedgerLikeContext()
    pub.publish(rendition, ctx)
    admin.post("clock", {"shift_days": 31})
    with pytest.raises(AuthExpired) as expired:
        pub.status(ctx.receipt, ctx)
    assert expired.value.message.endswith(f"{REAUTHORISE}（10010）")


def test_invalidated_access_token_is_refreshed_once_and_the_call_succeeds(sandbox_url, admin, rendition):
    config, seed = account(sandbox_url)
    pub, ctx = publisher(config, seed), LedgerLikeContext()
    pub.publish(rendition, ctx)
    admin.faults(invalidate_token={"rate": 1.0, "times": 1, "paths": ["/video/data/"]})
    assert pub.status(ctx.receipt, ctx).state == "published"
    assert admin.counters()["token_refreshes"] == 2


def test_single_flight_refresh_across_workers_on_redis(sandbox_url, admin, redis_url):
    config, seed = account(sandbox_url)
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    tokens, errors = [], []

    def worker():
        try:
            client = DouyinClient("bj-douyin", config, RedisState(redis_url, prefix=prefix), secret=SECRET,
                                  refresh_seed=seed)
            tokens.append(client.access_token())
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(set(tokens)) == 1 and len(tokens) == 8
    assert admin.counters()["token_refreshes"] == 1
    # what is stored is sealed: the token does not appear in Redis
    import redis

    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    values = [raw.get(k) for k in raw.keys(prefix + "*") if raw.type(k) == "string"]
    assert values and not any(tokens[0] in (v or "") for v in values)


def test_verify_and_sandbox_hooks(sandbox_url, admin, monkeypatch, tmp_path):
    from channels.douyin import DouyinChannel

    make_repo(tmp_path, pictures=0, script=["字幕"], options={"base_url": sandbox_url, "open_id": "open-verify"})
    item, channel = load(tmp_path)
    for name, value in DouyinChannel.sandbox_secrets("bj-douyin").items():
        monkeypatch.setenv("PUBLISHER_SECRET_BJ_DOUYIN" + ("" if name == "secret" else f"_{name.upper()}"), value)
    sentence = channel.verify(MemoryState())
    assert "抖音授权有效" in sentence and "open-verify" in sentence
    assert DouyinChannel.sandbox_options("http://127.0.0.1:8800") == {"base_url": "http://127.0.0.1:8800/douyin"}
    assert DouyinChannel.sandbox(None).__class__.__name__ == "DouyinSandbox"


def test_find_existing_reads_the_accounts_video_list(sandbox_url, admin, rendition, monkeypatch):
    """`publisher adopt` on a new ledger: the video list says what the account already carries."""
    import dataclasses

    from channels.douyin.existing import find_existing

    config, seed = account(sandbox_url)
    monkeypatch.setenv("PUBLISHER_SECRET_BJ_DOUYIN", SECRET.get_secret_value())  # adopt reads the env
    monkeypatch.setenv("PUBLISHER_SECRET_BJ_DOUYIN_REFRESH_TOKEN", seed.get_secret_value())
    state = MemoryState()
    receipt = publisher(config, seed, state).publish(rendition, LedgerLikeContext())
    other = dataclasses.replace(rendition, item_id="2026/11/never-posted",
                                payload={**rendition.payload, "text": "从未发布的视频文案"})
    calls_before = sum(admin.counters()["posts_by_account"][config.open_id].values())
    found = find_existing("bj-douyin", config, [rendition, other], state)
    assert set(found) == {rendition.item_id}
    assert found[rendition.item_id].remote_id == recorded(receipt.phases, "item_id")
    assert found[rendition.item_id].phases["created"]["item_id"] == recorded(receipt.phases, "item_id")
    assert sum(admin.counters()["posts_by_account"][config.open_id].values()) == calls_before  # reads only
