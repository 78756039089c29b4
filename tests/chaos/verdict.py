"""The promise, checked: every publication posted exactly once, or unconfirmed/failed with a
reason an editor can read in `publisher status`; nothing posted twice; nothing lost.

Read from two independent sources: the ledger (what the product believes) and the sandboxes'
counters (what the platforms received, by idempotency key `pub-<id>` and by account and text).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

FINAL = {"published", "failed", "unconfirmed"}


@dataclass
class Verdict:
    states: dict[str, int]
    duplicates: int  # extra posts of one publication, or of one text to one account
    lost: int  # rows not final, or "published" without a post on the platform
    unexplained: int  # failed/unconfirmed rows without a reason in `publisher status`
    unconfirmed_posted: int  # unconfirmed rows the platform has exactly once
    unconfirmed_absent: int  # unconfirmed rows the platform does not have
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def judge(rows, counters: dict[str, dict], status_rows: list[dict]) -> Verdict:
    posts: Counter = Counter()
    duplicates = 0
    failures: list[str] = []
    for name, data in counters.items():
        posts.update(data.get("posts_by_key", {}))
        for account, by_text in data.get("posts_by_account", {}).items():
            extra = sum(n - 1 for n in by_text.values() if n > 1)
            if extra:
                failures.append(f"{name} account {account}: {extra} texts posted more than once")
            duplicates += extra
    by_key_extra = sum(n - 1 for n in posts.values() if n > 1)
    if by_key_extra:
        twice = sorted(k for k, n in posts.items() if n > 1)[:10]
        failures.append(f"{by_key_extra} extra posts by idempotency key: {twice}")
    duplicates = max(duplicates, by_key_extra)

    states = Counter(r.state.value for r in rows)
    not_final = [r.id for r in rows if r.state.value not in FINAL]
    hollow = [r.id for r in rows if r.state.value == "published" and posts.get(f"pub-{r.id}", 0) != 1]
    unknown_keys = set(posts) - {f"pub-{r.id}" for r in rows}
    if not_final:
        failures.append(f"{len(not_final)} rows not in a final state: {not_final[:10]}")
    if hollow:
        failures.append(f"{len(hollow)} published rows without exactly one post: {hollow[:10]}")
    if unknown_keys:
        failures.append(f"posts under keys the ledger does not know: {sorted(unknown_keys)[:10]}")

    reasons = {s["id"]: s for s in status_rows}
    unexplained = [
        r.id for r in rows
        if r.state.value in ("failed", "unconfirmed")
        and not (reasons.get(r.id, {}).get("reason") and reasons.get(r.id, {}).get("fix"))
    ]  # fmt: skip
    if unexplained:
        failures.append(f"{len(unexplained)} failed/unconfirmed rows without reason and fix: {unexplained[:10]}")
    unconfirmed = [r for r in rows if r.state.value == "unconfirmed"]
    return Verdict(
        states=dict(sorted(states.items())),
        duplicates=duplicates,
        lost=len(not_final) + len(hollow),
        unexplained=len(unexplained),
        unconfirmed_posted=sum(1 for r in unconfirmed if posts.get(f"pub-{r.id}", 0) == 1),
        unconfirmed_absent=sum(1 for r in unconfirmed if posts.get(f"pub-{r.id}", 0) == 0),
        failures=failures,
    )
