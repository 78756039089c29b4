"""The 抖音 plugin through the core's publish path (publish_publication, settle, retract, reach)
with a SQLite ledger and the 抖音 sandbox over HTTP: exactly one post per publication, a lost
create answer ends unconfirmed and is never re-sent, an expired authorisation pauses the account."""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from publish_fixtures import plan

sys.path.insert(0, str(Path(__file__).resolve().parent / "channels"))
from douyin_fixtures import make_repo  # noqa: E402

from channels.douyin.client import REAUTHORISE  # noqa: E402
from channels.douyin.sandbox import DouyinSandboxConfig, serve  # noqa: E402
from publisher.ledger import State  # noqa: E402
from publisher.publish.execute import publish_publication  # noqa: E402
from publisher.publish.manual import retract  # noqa: E402
from publisher.publish.reach import pull_reach  # noqa: E402
from publisher.runtime.context import SchedulingSettings, open_runtime  # noqa: E402
from publisher.settings import Settings  # noqa: E402


@pytest.fixture
def sandbox():
    url, app, server = serve(config=DouyinSandboxConfig())
    yield url, app
    server.shutdown()
    server.server_close()


@pytest.fixture
def douyin_repo(tmp_path, sandbox, monkeypatch):
    url, _ = sandbox
    open_id = f"open-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PUBLISHER_SECRET_BJ_DOUYIN", "sandbox-client-secret")
    monkeypatch.setenv("PUBLISHER_SECRET_BJ_DOUYIN_REFRESH_TOKEN", f"rft.sandbox-{open_id}")

    def write(**options):
        make_repo(tmp_path / "content", pictures=1, script=["一条字幕"],
                  options={"base_url": url, "open_id": open_id, "timeout_seconds": 2.0, **options})
        settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
        runtime = open_runtime(settings, shared="ledger",
                               scheduling=SchedulingSettings(backoff_base_seconds=1, backoff_max_seconds=4,
                                                             poll_seconds=0.1))
        plan(tmp_path / "content", runtime)
        [row] = runtime.ledger.claim_due(runtime.now() + timedelta(days=400), 60, 10, "test")
        return runtime, row.id, open_id

    return write


def test_publish_once_then_reach_and_retract(sandbox, douyin_repo):
    url, app = sandbox
    runtime, pid, open_id = douyin_repo()
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "published", outcome
    assert publish_publication(pid, runtime).result == "skipped"  # a second delivery
    assert dict(app.posts_by_key) == {f"pub-{pid}": 1}
    row = runtime.ledger.get(pid)
    assert row.state is State.PUBLISHED and row.url.startswith(f"{url}/v/@") and row.remote_id
    assert "<video" in requests.get(row.url, timeout=5).text
    report = pull_reach(runtime, now=runtime.now(), channels=("douyin",))
    assert (report.checked, report.stored, report.errors) == (1, 1, [])
    result = retract(runtime, "2026/11/contest", channel="douyin")
    assert len(result.retracted) == 1 and not result.failed
    assert runtime.ledger.get(pid).state is State.RETRACTED
    assert "该视频已被作者删除" in requests.get(row.url, timeout=5).text


def test_lost_create_answer_is_unconfirmed_and_never_resent(sandbox, douyin_repo):
    _, app = sandbox
    runtime, pid, open_id = douyin_repo(timeout_seconds=0.5)
    app.faults.update({"timeout": {"rate": 1.0, "paths": ["/video/create/"], "seconds": 1.5, "times": 1}})
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "unconfirmed", outcome
    row = runtime.ledger.get(pid)
    assert row.state is State.UNCONFIRMED and "核实" in row.last_error_message
    assert runtime.ledger.claim_due(runtime.now() + timedelta(days=1), 0, 10, "t") == []
    assert dict(app.posts_by_key) == {f"pub-{pid}": 1}
    assert app.calls["/video/create/"] == 1


def test_expired_authorisation_pauses_the_account(sandbox, douyin_repo):
    _, app = sandbox
    runtime, pid, open_id = douyin_repo()
    app.tokens.revoke(f"{open_id}")  # nothing issued yet: the seed itself is then refused
    app.tokens.spent_seeds.add(f"rft.sandbox-{open_id}")
    outcome = publish_publication(pid, runtime)
    assert outcome.result == "paused", outcome
    assert REAUTHORISE in outcome.message
    row = runtime.ledger.get(pid)
    assert row.state is not State.PUBLISHED and REAUTHORISE in row.last_error_message
    assert dict(app.posts_by_key) == {}
