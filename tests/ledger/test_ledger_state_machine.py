"""Random interleavings of everything that can happen to publications, on SQLite.

A model channel counts the posts it really received. Whatever the order of claims, duplicate
deliveries, slow or dead workers, recoveries, lost answers, cancels, freezes, retracts and
republishes: no row is posted twice, nothing is marked published that was not, every audited
move is in the transition table, and after draining every row rests in a final state.

The one assumption, as in production: recording a phase and sending the request it announces
happen together (one `work` step here); a worker is presumed dead only after it has been silent
longer than that (`recover_stale(publishing_older_than=…)`).
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from publisher.ledger import FINAL_STATES, ClaimLost, IllegalTransition, Ledger, State
from publisher.ledger.states import is_allowed

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
S = State
OUTCOMES = [
    "ok",
    "lost_answer",  # the channel posted it; the answer never came
    "lost_request",  # the request never arrived; no answer either
    "rejected",
    "transient",  # failed before anything was sent
    "crash_after_intent",  # the worker died between recording the intent and sending
    "crash_after_send",  # the worker died after the channel posted it
]


@dataclass
class Execution:
    publication_id: int
    attempt: int


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, ledger: Ledger):
        super().__init__()
        from ledger_helpers import empty_ledger

        empty_ledger(ledger)
        self.ledger = ledger
        self.now = T0
        self.posts: Counter[int] = Counter()  # what the channel really received, per row
        self.broker: list[int] = []  # messages not yet delivered (ids; duplicates allowed)
        self.sent: list[int] = []  # every message ever sent, for duplicate deliveries
        self.running: list[Execution] = []
        self.targets: list[tuple[str, str]] = []
        self.version = ledger.upsert_item_version("item", "h", "标题", now=T0)
        self.worker_seq = 0

    # -- the planner ----------------------------------------------------------------------
    @initialize()
    def three_targets_due_now(self):
        for _ in range(3):
            self.plan(0, False)

    def plan(self, delay, blocked):
        target = (f"item-{len(self.targets)}", f"acct-{len(self.targets) % 2}")
        self.targets.append(target)
        self._upsert(target, "r1", delay, blocked)

    @rule(
        data=st.data(),
        new=st.booleans(),
        rhash=st.sampled_from(["r1", "r2"]),
        delay=st.integers(0, 30),
        blocked=st.booleans(),
    )
    def planner(self, data, new, rhash, delay, blocked):
        if new and len(self.targets) < 6:
            self.plan(delay, blocked)
        else:
            self._upsert(data.draw(st.sampled_from(self.targets)), rhash, delay, blocked)

    def _upsert(self, target, rhash, delay, blocked):
        item_id, account = target
        when = self.now + timedelta(seconds=delay)
        self.ledger.upsert_publication(
            item_id,
            self.version,
            "weibo",
            account,
            rhash,
            when,
            "缺少签发" if blocked else None,
            now=self.now,
        )

    # -- time, dispatchers, broker --------------------------------------------------------
    @rule(seconds=st.integers(1, 90))
    def tick(self, seconds):
        self.now += timedelta(seconds=seconds)

    @rule(limit=st.integers(1, 4))
    def claim(self, limit):
        for pub in self.ledger.claim_due(self.now, 5, limit, "dispatcher"):
            self.broker.append(pub.id)
            self.sent.append(pub.id)

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def duplicate_delivery(self, data):
        self.broker.append(data.draw(st.sampled_from(self.sent)))

    @precondition(lambda self: self.broker)
    @rule(data=st.data(), lose=st.booleans())
    def deliver(self, data, lose):
        self._deliver(data.draw(st.integers(0, len(self.broker) - 1)), lose)

    def _deliver(self, index: int, lose: bool) -> None:
        pid = self.broker.pop(index)
        if lose:  # the broker lost it; recover_stale must notice the stuck claim
            return
        self.worker_seq += 1
        pub = self.ledger.start(pid, f"worker-{self.worker_seq}", now=self.now)
        if pub is not None:
            self.running.append(Execution(pub.id, pub.attempts))

    # -- executors ------------------------------------------------------------------------
    @precondition(lambda self: self.running)
    @rule(data=st.data(), outcome=st.sampled_from(OUTCOMES))
    def work(self, data, outcome):
        ex = self.running.pop(data.draw(st.integers(0, len(self.running) - 1)))
        self._work(ex, outcome)

    def _work(self, ex: Execution, outcome: str) -> None:
        led, pid, attempt, now = self.ledger, ex.publication_id, ex.attempt, self.now
        if outcome == "transient":  # token fetch failed: nothing left the machine
            led.requeue(
                pid, now + timedelta(seconds=30), 500, "令牌获取失败", attempt=attempt, now=now
            )
            return
        try:
            led.record_phase(pid, "submit", {"intent": attempt}, attempt=attempt, now=now)
        except ClaimLost:
            return  # the row is no longer ours: send nothing
        if outcome == "crash_after_intent":
            return
        if outcome in ("ok", "lost_answer", "crash_after_send"):
            self.posts[pid] += 1  # the channel has it now
        if outcome == "ok":
            # ClaimLost here: the fact is saved; finishing is then refused or accepted by state
            with suppress(ClaimLost):
                led.record_phase(pid, "sent", {"remote_id": f"R{pid}"}, attempt=attempt, now=now)
            led.finish_published(
                pid, f"R{pid}", f"https://weibo.example/{pid}", attempt=attempt, now=now
            )
        elif outcome in ("lost_answer", "lost_request"):
            led.mark_unconfirmed(pid, "timeout", "请求超时", attempt=attempt, now=now)
        elif outcome == "rejected":
            led.finish_failed(pid, 20019, "内容重复", attempt=attempt, now=now)

    @rule(outcome=st.sampled_from(OUTCOMES), work=st.booleans())
    def pipeline(self, outcome, work):
        """A whole dispatcher tick: claim, deliver, and (if `work`) run every started execution,
        including ones left over from before — the short path to deep states."""
        self.claim(4)
        while self.broker:
            self._deliver(0, False)
        while work and self.running:
            self._work(self.running.pop(), outcome)

    @rule(advance=st.sampled_from([0, 30, 600]), silent=st.sampled_from([0, 60, 300]))
    def recover(self, advance, silent):
        """Time passes; rows whose holder was silent for `silent` seconds are taken back."""
        self.now += timedelta(seconds=advance)
        self.ledger.recover_stale(timedelta(seconds=silent), now=self.now)

    # -- editors --------------------------------------------------------------------------
    @rule()
    def reconcile(self):
        """Ask the channel about every unconfirmed row; retry only what it does not have."""
        for pub in self.ledger.publications(state=S.UNCONFIRMED):
            if self.posts[pub.id]:
                self.ledger.resolve_unconfirmed(pub.id, published=True, remote_id=f"R{pub.id}")
            else:
                self.ledger.retry(pub.id, reason="渠道无此文章")

    @precondition(lambda self: self.targets)
    @rule(data=st.data(), action=st.sampled_from(["cancel", "retry", "retract", "republish"]))
    def editor(self, data, action):
        pubs = self.ledger.publications()
        pub = data.draw(st.sampled_from(pubs))
        try:
            if action == "cancel":
                self.ledger.cancel(pub.id, "编辑取消")
            elif action == "retry" and pub.state is S.FAILED:
                self.ledger.retry(pub.id)
            elif action == "retract":
                self.ledger.start_retract(pub.id, "撤稿")
                if data.draw(st.booleans()):
                    self.ledger.finish_retract(pub.id)
                else:
                    self.ledger.fail_retract(pub.id, 1, "删除失败")
            elif action == "republish" and pub.state is S.PUBLISHED:
                self.ledger.create_manual(
                    pub.item_id, pub.item_version_id, pub.channel, pub.account_id, "r9", self.now
                )
        except IllegalTransition:
            pass

    @rule(
        action=st.sampled_from(["freeze", "unfreeze", "pause"]),
        account=st.sampled_from([None, "acct-0", "acct-1"]),
        minutes=st.integers(1, 10),
    )
    def controls(self, action, account, minutes):
        if action == "freeze":
            self.ledger.freeze("演练", by="editor", account_id=account, now=self.now)
        elif action == "unfreeze":
            self.ledger.unfreeze(by="editor", account_id=account, now=self.now)
        else:
            until = self.now + timedelta(minutes=minutes)
            self.ledger.pause_account(account or "acct-1", until, "额度用尽", now=self.now)

    # -- what must always hold ------------------------------------------------------------
    @invariant()
    def never_posted_twice_nor_claimed_falsely(self):
        assert all(n <= 1 for n in self.posts.values()), self.posts
        for pub in self.ledger.publications():
            if pub.state in (S.PUBLISHED, S.RETRACTING, S.RETRACTED):
                assert self.posts[pub.id] == 1, pub

    def teardown(self):
        self._drain()
        self._check_history()

    def _check_history(self):
        published = Counter()
        for entry in self.ledger.history():
            if entry.from_state and entry.to_state and entry.from_state is not entry.to_state:
                assert is_allowed(entry.from_state, entry.to_state), entry
            if entry.to_state is S.PUBLISHED and entry.from_state in (S.PUBLISHING, S.UNCONFIRMED):
                published[entry.publication_id] += 1
        assert all(n == 1 for n in published.values()), published

    def _drain(self):
        """Stop the chaos: let everything that can finish, finish."""
        for account in (None, "acct-0", "acct-1"):
            self.ledger.unfreeze(by="editor", account_id=account, now=self.now)
        for target in self.targets:
            self._upsert(target, "r1", 0, False)  # unblock (only unclaimed rows change)
        for ex in self.running:
            self._work(ex, "ok")
        self.running = []
        for _ in range(6):
            self.now += timedelta(hours=1)
            self.ledger.recover_stale(timedelta(0), now=self.now)
            self.reconcile()
            for pub in self.ledger.publications(state=S.RETRACTING):
                self.ledger.finish_retract(pub.id)
            for pub in self.ledger.claim_due(self.now, 5, 100, "dispatcher"):
                started = self.ledger.start(pub.id, "drain", now=self.now)
                if started:
                    self._work(Execution(started.id, started.attempts), "ok")
        self.never_posted_twice_nor_claimed_falsely()
        stuck = [p for p in self.ledger.publications() if p.state not in FINAL_STATES]
        assert stuck == [], stuck


def test_random_histories_never_post_twice_nor_lose_a_row(sqlite_ledger):
    run_state_machine_as_test(
        lambda: LedgerMachine(sqlite_ledger),
        settings=settings(
            max_examples=40,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
