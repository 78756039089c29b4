"""200 items through real Celery worker processes, a real Redis and the channel sandboxes:
everything published exactly once; a second run publishes nothing; republish adds exactly
one; a freeze stops dispatch within one tick."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from publish_fixtures import write_content
from scenario import Dispatcher, counters, posts_by_key

from publisher.ledger import State

pytestmark = [pytest.mark.redis, pytest.mark.timeout(300)]

ITEMS = 200
CHANNELS = ("wechat", "weibo")


def test_two_workers_publish_everything_exactly_once(cluster, monkeypatch):
    at = datetime.now(UTC) - timedelta(minutes=5)
    ids = write_content(cluster.tmp / "content", ITEMS, cluster.sandbox_url, channels=CHANNELS, publish_at=at, alternate=True)
    cluster.start_worker(pool="prefork", concurrency=2)
    cluster.start_worker(pool="threads", concurrency=2)
    dispatcher = Dispatcher.open(cluster, monkeypatch)
    report = dispatcher.sync()
    assert report.plan.count("create") == ITEMS, report.plan.entries[:3]

    started = time.monotonic()
    dispatcher.run_until_settled(timeout=150)
    elapsed = time.monotonic() - started

    rows = dispatcher.runtime.ledger.publications()
    states = Counter(r.state.value for r in rows)
    assert states == {"published": ITEMS}, (states, cluster.logs())
    sent = posts_by_key(cluster.sandbox_url)
    assert {f"pub-{r.id}" for r in rows} == set(sent), "every publication reached its channel"
    assert set(sent.values()) == {1}, {k: v for k, v in sent.items() if v != 1}
    by_content = counters(cluster.sandbox_url)
    for name in CHANNELS:
        assert set(by_content[name]["posts_by_content"].values()) == {1}
    print(f"\n{len(rows)} publications in {elapsed:.1f}s ({len(rows) / elapsed:.1f}/s), 2 workers")

    # A second run: sync finds nothing to do, ticks claim nothing, the channels see nothing new.
    again = dispatcher.sync()
    assert again.plan.count("create") == again.plan.count("update") == 0
    for _ in range(3):
        dispatcher.step()
    assert posts_by_key(cluster.sandbox_url) == sent

    # Republish one item on WeChat: exactly one more post of that article, under a new row.
    item = ids[8]  # even items go to WeChat
    result = cluster.cli(monkeypatch, "republish", item, "--account", "wx-main", "--yes")
    assert result.exit_code == 0, result.output
    dispatcher.run_until_settled(timeout=60)
    rows = dispatcher.runtime.ledger.publications(item_id=item, account_id="wx-main")
    assert [r.manual for r in rows] == [False, True] and rows[1].state is State.PUBLISHED
    after = posts_by_key(cluster.sandbox_url)
    assert after - sent == Counter({f"pub-{rows[1].id}": 1})
    history = dispatcher.runtime.ledger.history(item)
    republished = [e for e in history if e.event == "republish"]
    assert republished and republished[0].actor not in ("planner", "worker", "recovery")

    # Freeze: new items are planned but nothing is dispatched from the next tick on.
    result = cluster.cli(monkeypatch, "freeze", "--reason", "全国哀悼日")
    assert result.exit_code == 0, result.output
    content = cluster.tmp / "content"
    new_ids = write_content(content, ITEMS + 5, cluster.sandbox_url, channels=CHANNELS, publish_at=at, alternate=True)[ITEMS:]
    dispatcher.sync()
    dispatcher.step()
    pending = [r for i in new_ids for r in dispatcher.runtime.ledger.publications(item_id=i)]
    assert pending and {r.state for r in pending} == {State.SCHEDULED}
    status = cluster.cli_process("status", "--format", "json")  # a separate process sees it too
    assert '"frozen": true' in status.stdout, status.stderr
    time.sleep(1.0)
    assert posts_by_key(cluster.sandbox_url) == after
    assert cluster.cli(monkeypatch, "unfreeze").exit_code == 0
    dispatcher.run_until_settled(timeout=60)
    assert all(r.state is State.PUBLISHED for i in new_ids for r in dispatcher.runtime.ledger.publications(item_id=i))
    final = posts_by_key(cluster.sandbox_url)
    assert set(final.values()) == {1} and len(final) == len(after) + len(new_ids)
