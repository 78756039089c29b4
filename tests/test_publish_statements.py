"""Regression guard for the publish path's cost (issue 17): not a timed test, a count.

Each publication, published through the real path (SQLite ledger, WeChat and Weibo sandboxes over
HTTP), must cost at most a small, fixed number of SQL statements and exactly one render. A change
that re-renders the item, reloads a row again or adds a write per publication fails here, on any
machine, whatever its load. The bounds are the measured counts (see bench/RESULTS.md, "Publish
path: statements per publication"); raise them only with a reason written there.
"""

from __future__ import annotations

from collections import Counter

import pytest
from publish_fixtures import SECRET_ENV, plan, serve, write_content
from sqlalchemy import event
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from channels.base import Channel
from channels.wechat.sandbox import WeChatSandbox, WeChatSandboxConfig
from channels.weibo.sandbox import WeiboSandbox, WeiboSandboxConfig
from publisher.ledger import State
from publisher.publish.execute import publish_publication
from publisher.runtime.context import SchedulingSettings, open_runtime
from publisher.settings import Settings

# SQL statements one publication costs on the publish path (SQLite ledger, no faults, the ledger
# also serving as the shared state, as `publisher run` uses it), BEGINs included; and of those, the
# ones on the ledger proper (claim, version, phases, finish, audit: what remains when Redis is the
# shared state). Rows go WeChat, Weibo of item 0, then of item 1: each Weibo row finds its
# version already loaded. Before issue 17's changes: WeChat
# 57 (48 with the token cached) and 24 on the ledger, Weibo 19 and 12. Issue 13: a cover not yet
# uploaded takes and frees the material lock and reads the cache again under it (single flight
# across workers): +6 shared-state statements (every item here has its own cover), none on the ledger.
# Issue 17, second pass: what a repeatable step brought back (WeChat's uploads and draft) and the
# last step's answer (Weibo's post id, WeChat's article address) ride along with the next write
# (channels.base.note_phase): WeChat 62 → 50 and 23 → 14, Weibo 16 → 14 and 10 → 9.
# Issue 17, sixth pass: the start returns the planned version's hash (no read of item_versions:
# one statement and one transaction fewer for a version's first publication) and the finish
# writes its audit rows in one INSERT: measured WeChat 48 → 45 and 13 → 11, Weibo 14 → 13 and 9 → 8.
MAX_STATEMENTS = {"wechat": 45, "weibo": 13}
MAX_LEDGER_STATEMENTS = {"wechat": 11, "weibo": 8}
# Transactions on the ledger proper per publication (each write commit is a disk sync on SQLite:
# the ceiling of a shared SQLite ledger). WeChat: start, submitting (with uploads and draft),
# submit, published (with the article address); Weibo: start, sharing, published (with the post id).
MAX_LEDGER_TRANSACTIONS = {"wechat": 4, "weibo": 3}


@pytest.fixture
def sandboxes(monkeypatch):
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    wechat = WeChatSandbox(WeChatSandboxConfig(publish_delay_seconds=0.0))
    weibo = WeiboSandbox(WeiboSandboxConfig(hourly_limit=10_000, daily_post_limit=10_000))
    app = DispatcherMiddleware(lambda e, s: s("404 Not Found", []) or [b""], {"/wechat": wechat, "/weibo": weibo})
    with serve(app) as url:
        yield url


@pytest.fixture
def renders(monkeypatch):
    """Counts `render` calls of every concrete channel class (the real method still runs)."""
    counts: Counter[str] = Counter()
    for cls in _channel_classes():
        original = cls.__dict__.get("render")
        if original is None:
            continue

        def counted(self, item, _original=original, _name=cls.name):
            counts[_name] += 1
            return _original(self, item)

        monkeypatch.setattr(cls, "render", counted)
    return counts


def _channel_classes() -> list[type]:
    from publisher.render.renditions import channel_for  # noqa: F401 - registers the built-ins

    seen, todo = [], list(Channel.__subclasses__())
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def test_statements_and_renders_per_publication(tmp_path, sandboxes, renders):
    write_content(tmp_path / "content", 2, sandboxes, channels=("wechat", "weibo"))
    settings = Settings(state_dir=tmp_path / "state", content_dir=tmp_path / "content")
    runtime = open_runtime(settings, shared="ledger", scheduling=SchedulingSettings(poll_seconds=0.1))
    plan(tmp_path / "content", runtime)
    rows = runtime.ledger.claim_due(runtime.now(), 60, 1000, "test")
    assert sorted(r.channel for r in rows) == ["wechat"] * 2 + ["weibo"] * 2

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(runtime.ledger.engine, "before_cursor_execute", count)
    try:
        per: dict[str, list[int]] = {"wechat": [], "weibo": []}
        ledger_only: dict[str, list[int]] = {"wechat": [], "weibo": []}
        transactions: dict[str, list[int]] = {"wechat": [], "weibo": []}
        for row in rows:
            statements.clear()
            renders.clear()
            outcome = publish_publication(row.id, runtime)
            assert outcome.result == "published", outcome
            assert sum(renders.values()) == 1, (row.channel, dict(renders))
            per[row.channel].append(len(statements))
            ledger_only[row.channel].append(
                sum(1 for s in statements if "shared_state" not in s and not s.startswith("BEGIN"))
            )
            transactions[row.channel].append(_ledger_transactions(statements))
    finally:
        event.remove(runtime.ledger.engine, "before_cursor_execute", count)
    for row in rows:
        assert runtime.ledger.get(row.id).state is State.PUBLISHED
    for channel, counts in per.items():
        assert max(counts) <= MAX_STATEMENTS[channel], (channel, counts)
        assert max(ledger_only[channel]) <= MAX_LEDGER_STATEMENTS[channel], (channel, ledger_only[channel])
        assert max(transactions[channel]) <= MAX_LEDGER_TRANSACTIONS[channel], (channel, transactions[channel])


def _ledger_transactions(statements: list[str]) -> int:
    """Transactions that touched a ledger table other than the shared state (split at BEGIN)."""
    count, touched = 0, False
    for statement in [*statements, "BEGIN"]:
        if statement.startswith("BEGIN"):
            count += touched
            touched = False
        elif "shared_state" not in statement:
            touched = True
    return count
