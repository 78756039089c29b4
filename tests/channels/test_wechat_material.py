"""WeChat permanent material (covers): a material deleted on the platform is uploaded again once,
a cover that stays invalid fails the publication with a sentence naming the picture, and parallel
worker processes publishing items that share a cover upload it once (Redis and ledger locks)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import uuid
from contextlib import contextmanager

import pytest
from channel_fixtures import Crash, LedgerLikeContext, new_appid, wechat_rendition
from publish_fixtures import SECRET_ENV, cover_jpeg, plan, serve, write_content
from pydantic import SecretStr
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from channels.errors import Permanent
from channels.sandbox_app import content_key
from channels.wechat.config import WeChatConfig
from channels.wechat.publishing import WeChatPublisher
from channels.wechat.sandbox import WeChatSandbox, WeChatSandboxConfig
from publisher.ledger import State
from publisher.runtime.redis_state import MemoryState, RedisState

WORKERS = 6
ADD_MATERIAL = "/cgi-bin/material/add_material"


def make_publisher(base_url: str, appid: str, state) -> WeChatPublisher:
    config = WeChatConfig(appid=appid, base_url=base_url)
    return WeChatPublisher("wx-main", config, state, secret=SecretStr("sandbox-secret"))


# --- one publisher against the sandbox over HTTP ------------------------------------------------

def test_a_material_deleted_on_the_platform_is_uploaded_again_once(sandbox, wechat_admin):
    appid = new_appid()
    publisher = make_publisher(sandbox.wechat_base_url, appid, MemoryState())
    first = LedgerLikeContext()
    publisher.publish(wechat_rendition(title="第一篇"), first)
    old_media = first.receipt.phases["cover"]["thumb_media_id"]
    # An editor deletes the cover in the account's material library.
    assert wechat_admin.post("delete_material", {"appid": appid})["deleted"] == [old_media]

    second = LedgerLikeContext()
    receipt, status = publisher.publish_and_wait(wechat_rendition(title="第二篇"), second, timeout=10)
    assert status.state == "published"
    cover = second.receipt.phases["cover"]
    assert cover["uploaded_again"] is True and cover["thumb_media_id"] != old_media
    counters = wechat_admin.counters()
    assert counters["material_uploads"] == {appid: 2}  # the first upload and exactly one more
    assert counters["calls"]["/cgi-bin/draft/add"] == 3  # 第一篇, 第二篇 refused (40007), 第二篇 again
    assert counters["posts_by_content"] == {content_key("第一篇"): 1, content_key("第二篇"): 1}
    # The new material is what the cache holds now: a third article uploads nothing.
    publisher.publish(wechat_rendition(title="第三篇"), LedgerLikeContext())
    assert wechat_admin.counters()["material_uploads"] == {appid: 2}


def test_a_cover_deleted_between_draft_and_submit_gets_a_new_draft(sandbox, wechat_admin):
    appid = new_appid()
    publisher = make_publisher(sandbox.wechat_base_url, appid, MemoryState())
    rendition = wechat_rendition()
    crashed = LedgerLikeContext(crash_after="draft")
    with pytest.raises(Crash):
        publisher.publish(rendition, crashed)
    old_draft = crashed.receipt.phases["draft"]["draft_media_id"]
    wechat_admin.post("delete_material", {"appid": appid})

    resumed = LedgerLikeContext(key=crashed.idempotency_key, receipt=crashed.receipt)
    receipt, status = publisher.publish_and_wait(rendition, resumed, timeout=10)
    assert status.state == "published"
    assert resumed.receipt.phases["draft"]["draft_media_id"] != old_draft
    counters = wechat_admin.counters()
    assert counters["material_uploads"] == {appid: 2}
    assert counters["calls"]["/cgi-bin/freepublish/submit"] == 2  # refused 40007, then accepted
    assert counters["posts_by_key"] == {resumed.idempotency_key: 1}


def test_a_material_that_stays_invalid_fails_with_the_picture_named(sandbox, wechat_admin):
    appid = new_appid()
    wechat_admin.faults(material_invalid={"paths": ["/cgi-bin/draft/add"]})
    publisher = make_publisher(sandbox.wechat_base_url, appid, MemoryState())
    with pytest.raises(Permanent) as failed:
        publisher.publish(wechat_rendition(), LedgerLikeContext())
    assert failed.value.code == 40007
    message = failed.value.message
    assert "cover.jpg" in message and "40007" in message and "重新上传一次后仍被拒绝" in message
    counters = wechat_admin.counters()
    assert counters["material_uploads"] == {appid: 2}  # once, then once again: no loop
    assert counters["calls"]["/cgi-bin/draft/add"] == 2
    assert counters["posts_by_content"] == {}


def test_the_real_del_material_api_deletes_one_material(sandbox, wechat_admin):
    appid = new_appid()
    publisher = make_publisher(sandbox.wechat_base_url, appid, MemoryState())
    ctx = LedgerLikeContext()
    publisher.publish(wechat_rendition(), ctx)
    media_id = ctx.receipt.phases["cover"]["thumb_media_id"]
    client = publisher.client
    assert client.call("/cgi-bin/material/del_material", what="删除素材", safe_to_repeat=True,
                       json_body_={"media_id": media_id})["errcode"] == 0
    with pytest.raises(Permanent) as gone:
        client.call("/cgi-bin/material/del_material", what="删除素材", safe_to_repeat=True,
                    json_body_={"media_id": media_id})
    assert gone.value.code == 40007


# --- through the publish path, with the ledger -------------------------------------------------

@pytest.fixture
def ledger_sandbox(monkeypatch):
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    sandbox = WeChatSandbox(WeChatSandboxConfig(publish_delay_seconds=0.0))
    app = DispatcherMiddleware(lambda e, s: s("404 Not Found", []) or [b""], {"/wechat": sandbox})
    with serve(app) as url:
        yield url, sandbox


def publish_all(tmp_path, url: str, items: int):
    from publisher.publish.execute import publish_publication
    from publisher.runtime.context import SchedulingSettings, open_runtime
    from publisher.settings import Settings

    content = tmp_path / "content"
    ids = write_content(content, items, url)
    for item_id in ids:  # every item has the same cover
        (content / "items" / item_id / "cover.jpg").write_bytes(cover_jpeg(0))
    settings = Settings(state_dir=tmp_path / "state", content_dir=content)
    runtime = open_runtime(settings, shared="ledger", scheduling=SchedulingSettings(poll_seconds=0.1))
    rows = plan(content, runtime)
    return runtime, [r.id for r in rows], publish_publication


def test_the_publication_succeeds_after_its_cover_was_deleted(tmp_path, ledger_sandbox):
    url, sandbox = ledger_sandbox
    runtime, ids, publish_publication = publish_all(tmp_path, url, 2)
    claimed = [r.id for r in runtime.ledger.claim_due(runtime.now(), 60, 10, "test")]
    assert publish_publication(claimed[0], runtime).result == "published"
    sandbox.materials.clear()  # deleted in the material library
    assert publish_publication(claimed[1], runtime).result == "published"
    assert sum(sandbox.material_uploads.values()) == 2
    assert {r.state for r in runtime.ledger.publications()} == {State.PUBLISHED}


def test_a_cover_that_stays_invalid_fails_the_row_with_the_reason(tmp_path, ledger_sandbox):
    url, sandbox = ledger_sandbox
    runtime, ids, publish_publication = publish_all(tmp_path, url, 1)
    sandbox.faults.update({"material_invalid": {"paths": ["/cgi-bin/draft/add"]}})
    [claimed] = [r.id for r in runtime.ledger.claim_due(runtime.now(), 60, 10, "test")]
    assert publish_publication(claimed, runtime).result == "failed"
    row = runtime.ledger.get(claimed)
    assert row.state is State.FAILED and row.last_error_code == "40007"
    assert "封面图片 cover.jpg" in row.last_error_message and "素材库" in row.last_error_message
    assert sum(sandbox.material_uploads.values()) == 2


# --- parallel worker processes sharing one cover ----------------------------------------------

def slow_material_uploads(wechat_admin) -> None:
    # A slow add_material widens the race: without the lock every worker would upload the cover.
    wechat_admin.faults(latency_ms=300, latency_paths=[ADD_MATERIAL])


def _state(kind: str, where: str):
    if kind == "redis":
        url, prefix = where.split(" ")
        return RedisState(url, prefix=prefix)
    from publisher.ledger.ledger import open_ledger
    from publisher.ledger.state_table import LedgerState

    return LedgerState(open_ledger(where, upgrade=False))


def _publish_in_child(base_url, appid, kind, where, index, rounds, go, results) -> None:
    """A worker process: its own shared-state connection, HTTP session and memory."""
    try:
        publisher = make_publisher(base_url, appid, _state(kind, where))
        for round_ in range(rounds):
            go[round_].wait(60)
            ctx = LedgerLikeContext()
            publisher.publish(wechat_rendition(title=f"第{round_}轮 进程 {index} 的文章"), ctx)
            results.put({"pid": os.getpid(), "round": round_,
                         "thumb": ctx.receipt.phases["cover"]["thumb_media_id"]})
    except BaseException as exc:  # reported to the test, not swallowed
        results.put({"error": repr(exc)})


def run_workers(sandbox, wechat_admin, appid, kind, where, rounds=1):
    mp = multiprocessing.get_context("fork")  # separate processes that start fast on 2 cores
    go, results = [mp.Event() for _ in range(rounds)], mp.Queue()
    processes = [
        mp.Process(target=_publish_in_child, args=(sandbox.wechat_base_url, appid, kind, where, i, rounds, go, results))
        for i in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = []
    for round_ in range(rounds):
        go[round_].set()
        outcomes += [results.get(timeout=90) for _ in processes]
        if round_ + 1 < rounds:
            wechat_admin.post("delete_material", {"appid": appid})  # gone before the next round
    for process in processes:
        process.join(30)
    assert [o for o in outcomes if "error" in o] == []
    assert len({o["pid"] for o in outcomes} | {os.getpid()}) == WORKERS + 1
    return outcomes


def test_parallel_processes_on_redis_upload_a_shared_cover_once(sandbox, wechat_admin, redis_url):
    slow_material_uploads(wechat_admin)
    appid = new_appid()
    where = f"{redis_url} test-{uuid.uuid4().hex[:8]}:"
    outcomes = run_workers(sandbox, wechat_admin, appid, "redis", where, rounds=2)
    counters = wechat_admin.counters()
    # Round 0: one upload for six workers. Round 1 (the material deleted): six workers meet
    # 40007, one uploads again, the others take the new material.
    assert counters["material_uploads"] == {appid: 2}
    assert counters["calls"][ADD_MATERIAL] == 2
    for round_ in (0, 1):
        assert len({o["thumb"] for o in outcomes if o["round"] == round_}) == 1
    assert len(counters["posts_by_content"]) == 2 * WORKERS


def test_parallel_processes_on_the_ledger_upload_a_shared_cover_once(sandbox, wechat_admin, tmp_path):
    from publisher.ledger.ledger import open_ledger

    slow_material_uploads(wechat_admin)
    appid = new_appid()
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    open_ledger(url).engine.dispose()  # created and migrated here; each worker opens its own
    run_workers(sandbox, wechat_admin, appid, "ledger", url)
    assert wechat_admin.counters()["material_uploads"] == {appid: 1}


class _NoLockState(MemoryState):
    @contextmanager
    def lock(self, key: str, timeout_seconds: float = 30.0):
        yield


def test_without_the_lock_the_same_race_uploads_many_times(sandbox, wechat_admin):
    """Control: the single upload above comes from the lock, not from luck."""
    slow_material_uploads(wechat_admin)
    appid, shared = new_appid(), _NoLockState()
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def publish(index: int) -> None:
        try:
            publisher = make_publisher(sandbox.wechat_base_url, appid, shared)
            publisher.client.access_token()
            barrier.wait()
            publisher.publish(wechat_rendition(title=f"线程 {index}"), LedgerLikeContext())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert wechat_admin.counters()["material_uploads"][appid] > 1
