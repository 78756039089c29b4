"""Found by the full chaos run (one WeChat article posted twice, SQLite ledger): Celery's soft
time limit struck while the WeChat submit was in flight, after the platform had taken it. The
adapter treated every exception but `Unconfirmed` as "definitely not submitted" and cleared its
submit mark; stale recovery made the row unconfirmed, the reconcile saw no mark, said "absent",
and the row was submitted again. Only a channel's definite answer may clear the mark."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from celery.exceptions import SoftTimeLimitExceeded
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels"))
from channel_fixtures import wechat_rendition  # noqa: E402

from channels.base import Receipt
from channels.errors import Unconfirmed
from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.config import WeChatConfig
from channels.wechat.publishing import WeChatPublisher
from channels.wechat.sandbox import WeChatSandboxConfig
from publisher.runtime.redis_state import MemoryState

TITLE = "软超时测试：提交途中被打断"


class Context:
    def __init__(self, receipt: Receipt | None = None) -> None:
        self.publication_id = 1
        self.idempotency_key = "pub-1"
        self.receipt = receipt or Receipt()
        self.state = MemoryState()

    def record(self, phase: str, **data: Any) -> None:
        self.receipt.phases[phase] = {**self.receipt.phases.get(phase, {}), **data}


class InterruptedAfterSubmit(requests.Session):
    """The submit reaches the platform; then the worker's soft time limit fires."""

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, url, *args, **kwargs)
        if "/freepublish/submit" in url:
            raise SoftTimeLimitExceeded()
        return response


def rendition():
    return wechat_rendition(title=TITLE)


@pytest.fixture
def sandbox():
    handle = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.0), faults=FaultSettings())
    yield handle
    handle.stop()


def test_an_interrupted_submit_is_never_sent_again(sandbox):
    config = WeChatConfig(appid=f"wx-{uuid.uuid4().hex[:8]}", base_url=sandbox.wechat_base_url)
    state = MemoryState()
    ctx = Context()
    interrupted = WeChatPublisher("wx-main", config, state, session=InterruptedAfterSubmit(), secret=SecretStr("sandbox-secret"))
    with pytest.raises(SoftTimeLimitExceeded):
        interrupted.publish(rendition(), ctx)
    assert sandbox.wechat.posts_by_key == {"pub-1": 1}
    assert ctx.receipt.phases["submitting"]["submit_started_at"], "the mark of the sent submit must stay"

    again = WeChatPublisher("wx-main", config, state, secret=SecretStr("sandbox-secret"))
    with pytest.raises(Unconfirmed):
        again.publish(rendition(), Context(ctx.receipt))
    status = again.reconcile(ctx.receipt, Context(ctx.receipt), rendition=rendition())
    assert status is not None and status.state == "published"  # found on the platform, not "absent"
    assert sandbox.wechat.posts_by_key == {"pub-1": 1}
