"""Freezes and pauses keep rows from being claimed and from starting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from publisher.ledger import State

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
S = State


def test_global_freeze_stops_claims_until_lifted(ledger, add_pub):
    add_pub("a", "wb")
    add_pub("b", "wx", channel="wechat")
    state = ledger.freeze("全国哀悼日，暂停发布", by="值班编辑")
    assert state.frozen and ledger.frozen_state().global_freeze.reason.startswith("全国哀悼日")
    assert ledger.frozen_state().blocks("anything")
    assert ledger.claim_due(T0, 5, 10, "d") == []
    ledger.unfreeze(by="值班编辑")
    assert not ledger.frozen_state().any
    assert len(ledger.claim_due(T0, 5, 10, "d")) == 2


def test_account_freeze_stops_only_that_account(ledger, add_pub):
    a = add_pub("a", "wb")
    b = add_pub("b", "wx", channel="wechat")
    ledger.freeze("账号异常", account_id="wb")
    frozen = ledger.frozen_state()
    assert frozen.global_freeze is None and set(frozen.accounts) == {"wb"}
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [b.id]
    ledger.unfreeze(account_id="wb")
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [a.id]


def test_freeze_after_claim_sends_row_back_to_scheduled(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    ledger.freeze("紧急暂停")
    assert ledger.start(pub.id, "w", now=T0) is None
    row = ledger.get(pub.id)
    assert row.state is S.SCHEDULED and row.attempts == 0
    assert ledger.history(pub.item_id)[-1].detail == {"reason": "frozen"}


def test_pause_until_quota_reset(ledger, add_pub):
    pub = add_pub("a", "wx", channel="wechat")
    other = add_pub("b", "wb")
    reset = T0 + timedelta(hours=3)
    ledger.pause_account("wx", reset, "45009 接口调用超过限额", now=T0)
    assert [p.account_id for p in ledger.account_pauses(now=T0)] == ["wx"]
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [other.id]
    assert [p.id for p in ledger.claim_due(reset, 5, 10, "d")] == [pub.id]
    assert ledger.account_pauses(now=reset) == []


def test_resume_lifts_a_pause(ledger, add_pub):
    pub = add_pub("a", "wx")
    ledger.pause_account("wx", T0 + timedelta(days=1), "授权过期", now=T0)
    ledger.claim_due(T0, 5, 10, "d")
    ledger.resume_account("wx", now=T0)
    assert [p.id for p in ledger.claim_due(T0, 5, 10, "d")] == [pub.id]
