"""Publication states and the one table of allowed transitions.

Every state change in the ledger goes through `check_transition`; nothing else decides what may
follow what. See docs/ledger.md for the diagram and the reasons behind each edge.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    BLOCKED = "blocked"  # not publishable yet: missing sign-off, check errors (`blocked_reason`)
    SCHEDULED = "scheduled"  # waiting for its time (and for `not_before` after a backoff)
    QUEUED = "queued"  # claimed by a dispatcher, handed to an executor
    PUBLISHING = "publishing"  # an executor is talking to the channel
    PUBLISHED = "published"
    FAILED = "failed"  # permanent error: the editor must act (retry after fixing)
    UNCONFIRMED = "unconfirmed"  # the request may have reached the channel; nobody knows
    RETRACTING = "retracting"
    RETRACTED = "retracted"
    CANCELLED = "cancelled"


S = State

# The only place that says which state may follow which. Keys are "from", values "to".
TRANSITIONS: dict[State, frozenset[State]] = {
    # blocked → published only through `publisher adopt`: a held row the platform already has.
    S.BLOCKED: frozenset({S.SCHEDULED, S.CANCELLED, S.PUBLISHED}),
    S.SCHEDULED: frozenset({S.QUEUED, S.BLOCKED, S.CANCELLED}),
    # queued → scheduled: a stale claim (dispatcher or broker lost the message), or a freeze
    # that arrived between claim and start.
    S.QUEUED: frozenset({S.PUBLISHING, S.SCHEDULED, S.CANCELLED}),
    # publishing → scheduled only when nothing irreversible left the machine (transient error
    # before sending, or a dead worker with no recorded phase).
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED, S.UNCONFIRMED, S.SCHEDULED}),
    S.PUBLISHED: frozenset({S.RETRACTING}),
    S.RETRACTING: frozenset({S.RETRACTED, S.PUBLISHED}),  # → published: the retract failed
    S.FAILED: frozenset({S.SCHEDULED}),  # explicit editor retry only
    S.UNCONFIRMED: frozenset({S.PUBLISHED, S.FAILED, S.SCHEDULED}),  # reconcile or editor retry
    S.RETRACTED: frozenset(),
    S.CANCELLED: frozenset(),
}

# States a row rests in until a person acts; a drained ledger holds only these.
FINAL_STATES: frozenset[State] = frozenset({S.PUBLISHED, S.FAILED, S.RETRACTED, S.CANCELLED})
# States the planner may rewrite in place (not yet claimed by anyone).
UNCLAIMED_STATES: frozenset[State] = frozenset({S.SCHEDULED, S.BLOCKED})

_STATE_LABELS = {
    S.BLOCKED: "待处理（受阻）",
    S.SCHEDULED: "已排期",
    S.QUEUED: "已入队",
    S.PUBLISHING: "发布中",
    S.PUBLISHED: "已发布",
    S.FAILED: "失败",
    S.UNCONFIRMED: "结果未确认",
    S.RETRACTING: "撤稿中",
    S.RETRACTED: "已撤稿",
    S.CANCELLED: "已取消",
}


def state_label(state: State | str) -> str:
    """The Chinese label an editor sees for a state."""
    return _STATE_LABELS[State(state)]


class IllegalTransition(Exception):
    """A move the transition table does not allow (or the row is not in a state that allows it)."""

    def __init__(self, from_state: State | str | None, to_state: State | str, publication_id=None):
        self.from_state = State(from_state) if from_state else None
        self.to_state = State(to_state)
        self.publication_id = publication_id
        where = f"发布记录 {publication_id} " if publication_id is not None else ""
        current = state_label(self.from_state) if self.from_state else "不存在"
        super().__init__(
            f"{where}当前状态为「{current}」，不能变为「{state_label(self.to_state)}」"
        )


def is_allowed(from_state: State | str, to_state: State | str) -> bool:
    return State(to_state) in TRANSITIONS[State(from_state)]


def check_transition(from_state: State | str, to_state: State | str, publication_id=None) -> None:
    """Raise `IllegalTransition` unless the table allows `from_state → to_state`."""
    if not is_allowed(from_state, to_state):
        raise IllegalTransition(from_state, to_state, publication_id)
