"""publish_publication against the WeChat sandbox, with the local executor and a SQLite ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from publish_fixtures import SECRET_ENV, plan, serve, write_content
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from channels.wechat.sandbox import WeChatSandbox, WeChatSandboxConfig
from publisher.ledger import State
from publisher.publish.execute import backoff_seconds, publish_publication
from publisher.runtime.context import SchedulingSettings, open_runtime
from publisher.schedule.dispatcher import drain, tick
from publisher.schedule.executors import LocalExecutor
from publisher.settings import Settings


@pytest.fixture
def wechat_sandbox():
    sandbox = WeChatSandbox(WeChatSandboxConfig(publish_delay_seconds=0.0))
    app = DispatcherMiddleware(lambda e, s: s("404 Not Found", []) or [b""], {"/wechat": sandbox})
    with serve(app) as url:
        yield url, sandbox


@pytest.fixture
def env(monkeypatch):
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)


def make_runtime(tmp_path, **scheduling):
    settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
    sched = SchedulingSettings(
        backoff_base_seconds=1, backoff_max_seconds=4, poll_seconds=0.1, **scheduling
    )
    return open_runtime(settings, shared="ledger", scheduling=sched)


def posts(sandbox) -> dict[str, int]:
    return dict(sandbox.posts_by_key)


def claim_all(runtime) -> list[int]:
    rows = runtime.ledger.claim_due(runtime.now(), 60, 1000, "test")
    return [r.id for r in rows]


def test_publishes_once_and_a_second_delivery_changes_nothing(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 2, url)
    runtime = make_runtime(tmp_path)
    plan(tmp_path / "content", runtime)
    ids = claim_all(runtime)
    assert len(ids) == 2
    outcomes = [publish_publication(i, runtime) for i in ids]
    assert {o.result for o in outcomes} == {"published"}, outcomes
    again = publish_publication(ids[0], runtime)  # a redelivered message
    assert again.result == "skipped"
    assert posts(sandbox) == {f"pub-{i}": 1 for i in ids}
    row = runtime.ledger.get(ids[0])
    assert row.state is State.PUBLISHED and row.url and row.remote_id


def test_transient_error_requeues_with_backoff_then_publishes(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url)
    runtime = make_runtime(tmp_path)
    plan(tmp_path / "content", runtime)
    sandbox.faults.update({"error": {"rate": 1.0, "paths": ["/cgi-bin/draft/add"], "times": 1}})
    [pid] = claim_all(runtime)
    before = datetime.now(UTC)
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "requeued", outcome
    row = runtime.ledger.get(pid)
    assert row.state is State.SCHEDULED and row.attempts == 1
    assert row.not_before > before and row.last_error_message
    # Not claimable before the backoff ends; claimable after.
    assert runtime.ledger.claim_due(before, 0, 10, "t") == []
    later = row.not_before + timedelta(seconds=1)
    assert [r.id for r in runtime.ledger.claim_due(later, 0, 10, "t")] == [pid]
    assert publish_publication(pid, runtime).result == "published"
    assert posts(sandbox) == {f"pub-{pid}": 1}


def test_backoff_grows_and_respects_retry_after():
    delays = [backoff_seconds(n, 10, 1000) for n in (1, 2, 3, 4)]
    assert 5 <= delays[0] <= 10 and 40 <= delays[3] <= 80
    assert backoff_seconds(1, 10, 1000, retry_after=60) == 60
    assert backoff_seconds(30, 10, 100) <= 100


def test_transient_errors_fail_after_max_attempts(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url)
    runtime = make_runtime(tmp_path, max_attempts=2)
    plan(tmp_path / "content", runtime)
    sandbox.faults.update({"error": {"rate": 1.0, "paths": ["/cgi-bin/draft/add"]}})
    results = []
    for _ in range(2):
        [pid] = [r.id for r in runtime.ledger.claim_due(runtime.now() + timedelta(hours=1), 0, 10, "t")]
        results.append(publish_publication(pid, runtime).result)
    assert results == ["requeued", "failed"]
    row = runtime.ledger.get(pid)
    assert row.state is State.FAILED and "2 次" in row.last_error_message
    assert posts(sandbox) == {}


def test_quota_pauses_account_and_resumes_after_reset(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 3, url)
    clock = {"now": datetime.now(UTC)}
    runtime = make_runtime(tmp_path, quotas={"wx-main": {"per_day": 2}})
    runtime.clock = lambda: clock["now"]
    plan(tmp_path / "content", runtime)
    executor = LocalExecutor(runtime, threads=1)
    try:
        drain(runtime, executor, timeout=60)
        states = sorted(r.state.value for r in runtime.ledger.publications())
        assert states == ["published", "published", "scheduled"]
        paused = runtime.ledger.account_pauses(now=clock["now"])
        assert [p.account_id for p in paused] == ["wx-main"]
        waiting = runtime.ledger.publications(state="scheduled")[0]
        assert waiting.last_error_code == "quota" and waiting.not_before == paused[0].paused_until
        assert runtime.ledger.publications(state="failed") == []
        # Nothing is claimed while paused, even once the row itself is due.
        assert tick(runtime, executor).submitted == []
        # After the reset (next midnight, Beijing time) the account resumes by itself.
        clock["now"] = paused[0].paused_until + timedelta(seconds=1)
        drain(runtime, executor, timeout=60)
    finally:
        executor.shutdown()
    assert sorted(r.state.value for r in runtime.ledger.publications()) == ["published"] * 3
    assert sorted(posts(sandbox).values()) == [1, 1, 1]


def test_platform_quota_error_pauses_instead_of_failing(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url)
    runtime = make_runtime(tmp_path)
    plan(tmp_path / "content", runtime)
    sandbox.faults.update({"quota_exhausted": ["wx-test-1"]})
    [pid] = claim_all(runtime)
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "paused", outcome
    row = runtime.ledger.get(pid)
    assert row.state is State.SCHEDULED and row.last_error_code == "45009"
    [pause] = runtime.ledger.account_pauses()
    assert pause.paused_until == row.not_before and pause.paused_until > runtime.now()


def test_review_rejection_fails_with_the_reason(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url)
    runtime = make_runtime(tmp_path)
    plan(tmp_path / "content", runtime)
    sandbox.faults.update({"review_reject": {"rate": 1.0}})
    executor = LocalExecutor(runtime, threads=1)
    try:
        drain(runtime, executor, timeout=30)
    finally:
        executor.shutdown()
    [row] = runtime.ledger.publications()
    assert row.state is State.FAILED
    assert "审核" in row.last_error_message


def test_rendition_change_is_refused_before_anything_is_sent(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url)
    runtime = make_runtime(tmp_path)
    [row] = plan(tmp_path / "content", runtime)
    # The planned hash no longer matches what the worker renders (e.g. a renderer upgrade).
    runtime.ledger.upsert_publication(
        row.item_id, row.item_version_id, row.channel, row.account_id, "0" * 64, row.scheduled_at
    )
    [pid] = claim_all(runtime)
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "failed"
    assert runtime.ledger.get(pid).last_error_code == "rendition-changed"
    assert sandbox.calls == {} or all("draft" not in p for p in sandbox.calls)


def test_crash_between_phases_resumes_without_repeating(tmp_path, wechat_sandbox, env):
    """The worker dies after the draft was made: the next attempt submits the same draft."""
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url)
    runtime = make_runtime(tmp_path, stale_after_seconds=1)
    plan(tmp_path / "content", runtime)
    sandbox.faults.update({"error": {"rate": 1.0, "paths": ["/cgi-bin/freepublish/submit"], "times": 1}})
    [pid] = claim_all(runtime)
    assert publish_publication(pid, runtime).result == "requeued"
    row = runtime.ledger.get(pid)
    assert "draft" in row.phases and "submit" not in row.phases
    drafts = sandbox.calls["/cgi-bin/draft/add"]
    later = row.not_before + timedelta(seconds=1)
    [again] = runtime.ledger.claim_due(later, 0, 10, "t")
    assert publish_publication(again.id, runtime).result == "published"
    assert sandbox.calls["/cgi-bin/draft/add"] == drafts  # the recorded draft was reused
    assert posts(sandbox) == {f"pub-{pid}": 1}


def test_lost_submit_answer_is_unconfirmed_and_never_resent(tmp_path, wechat_sandbox, env):
    url, sandbox = wechat_sandbox
    write_content(tmp_path / "content", 1, url, timeout=0.5)
    runtime = make_runtime(tmp_path)
    plan(tmp_path / "content", runtime)
    sandbox.faults.update(
        {"timeout": {"rate": 1.0, "paths": ["/cgi-bin/freepublish/submit"], "seconds": 1.5, "times": 1}}
    )
    [pid] = claim_all(runtime)
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "unconfirmed", outcome
    row = runtime.ledger.get(pid)
    assert row.state is State.UNCONFIRMED and "核实" in row.last_error_message
    # The dispatcher never claims it again; only an editor's retry would.
    assert runtime.ledger.claim_due(runtime.now() + timedelta(days=1), 0, 10, "t") == []
    assert posts(sandbox) == {f"pub-{pid}": 1}


def test_sandbox_counter_is_reachable(wechat_sandbox):
    url, _ = wechat_sandbox
    assert requests.get(f"{url}/wechat/_admin/counters", timeout=5).status_code == 200
