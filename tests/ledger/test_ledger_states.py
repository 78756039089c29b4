"""The transition table is the only authority, and the API cannot step outside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.ledger import (
    FINAL_STATES,
    TRANSITIONS,
    IllegalTransition,
    State,
    check_transition,
    state_label,
)
from publisher.ledger.states import is_allowed

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
S = State


def test_every_state_has_a_row_and_a_label():
    assert set(TRANSITIONS) == set(State)
    assert all(state_label(s) for s in State)
    assert TRANSITIONS[S.RETRACTED] == TRANSITIONS[S.CANCELLED] == frozenset()


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (S.SCHEDULED, S.PUBLISHING),  # skipping the claim
        (S.SCHEDULED, S.PUBLISHED),
        (S.QUEUED, S.PUBLISHED),
        (S.PUBLISHED, S.SCHEDULED),  # a published row never comes back
        (S.PUBLISHED, S.PUBLISHING),
        (S.FAILED, S.PUBLISHING),
        (S.UNCONFIRMED, S.PUBLISHING),
        (S.PUBLISHING, S.CANCELLED),  # too late: the request may be out
        (S.CANCELLED, S.SCHEDULED),
        (S.RETRACTED, S.PUBLISHED),
        (S.BLOCKED, S.QUEUED),
    ],
)
def test_illegal_edges_are_refused(src, dst):
    assert not is_allowed(src, dst)
    with pytest.raises(IllegalTransition):
        check_transition(src, dst)


def test_published_is_only_reached_from_publishing_or_reconciliation():
    sources = {src for src, targets in TRANSITIONS.items() if S.PUBLISHED in targets}
    # blocked → published: `publisher adopt` found a held row's post on the platform (issue 13).
    assert sources == {S.PUBLISHING, S.UNCONFIRMED, S.RETRACTING, S.BLOCKED}


def test_unconfirmed_never_goes_back_without_an_editor():
    # the only way out to scheduled is `retry`, an editor command (see test below)
    assert TRANSITIONS[S.UNCONFIRMED] == {S.PUBLISHED, S.FAILED, S.SCHEDULED}
    assert S.UNCONFIRMED not in FINAL_STATES


def test_editor_commands_refuse_wrong_states_with_a_sentence(ledger, add_pub):
    pub = add_pub()
    with pytest.raises(IllegalTransition, match="已排期"):
        ledger.retry(pub.id)
    with pytest.raises(IllegalTransition):
        ledger.start_retract(pub.id, "x")
    with pytest.raises(IllegalTransition):
        ledger.resolve_unconfirmed(pub.id, published=True)
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    with pytest.raises(IllegalTransition, match="发布中"):
        ledger.cancel(pub.id, "太晚了")
    assert ledger.get(pub.id).state is S.PUBLISHING


def test_worker_calls_on_the_wrong_state_change_nothing(ledger, add_pub):
    pub = add_pub()
    before = ledger.get(pub.id)
    assert ledger.start(pub.id, "w", now=T0) is None  # not claimed
    assert ledger.finish_published(pub.id, "R", "u", now=T0) is None
    assert ledger.finish_failed(pub.id, 1, "x", now=T0) is None
    assert ledger.mark_unconfirmed(pub.id, 1, "x", now=T0) is None
    assert ledger.requeue(pub.id, T0, 1, "x", now=T0) is None
    assert ledger.finish_retract(pub.id) is None
    assert ledger.get(pub.id) == before
    assert [h.event for h in ledger.history(pub.item_id)] == ["create"]


def test_cancelled_queued_row_is_not_started(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    cancelled = ledger.cancel(pub.id, "稿件撤回")
    assert cancelled.state is S.CANCELLED
    assert ledger.start(pub.id, "w", now=T0) is None


def test_every_audited_move_is_in_the_table(ledger, add_pub):
    pub = add_pub()
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    ledger.mark_unconfirmed(pub.id, "timeout", "超时", now=T0)
    ledger.retry(pub.id)
    ledger.claim_due(T0, 5, 10, "d")
    ledger.start(pub.id, "w", now=T0)
    ledger.finish_published(pub.id, "R", None, now=T0)
    ledger.start_retract(pub.id, "错")
    ledger.finish_retract(pub.id)
    moves = [(h.from_state, h.to_state) for h in ledger.history(pub.item_id) if h.from_state]
    assert all(a == b or is_allowed(a, b) for a, b in moves)
    assert moves[-1] == (S.RETRACTING, S.RETRACTED)
