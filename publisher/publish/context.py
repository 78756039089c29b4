"""What a publish attempt carries: its outcome, and the ledger-backed `PublishContext` through
which a channel records every irreversible step before the next."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from channels.base import Receipt
from publisher.ledger.execution import ClaimLost

if TYPE_CHECKING:
    from channels.base import SharedState
    from publisher.ledger import Ledger, Publication
    from publisher.runtime.context import Runtime


@dataclass(frozen=True)
class PublishOutcome:
    publication_id: int
    result: str  # published | awaiting | requeued | paused | failed | unconfirmed | skipped
    message: str = ""


@dataclass
class LedgerPublishContext:
    """`channels.base.PublishContext` whose `record` writes the phase to the ledger first."""

    publication_id: int
    idempotency_key: str
    receipt: Receipt
    state: SharedState
    ledger: Ledger
    attempt: int | None = None
    # Reconciling an unconfirmed row holds no claim: what the channel says is kept all the same.
    reconciling: bool = False
    recorded: list[str] = field(default_factory=list)
    # Phases noted (`note`) and not saved yet: they ride along with the next write of this row.
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(self, phase: str, **data: Any) -> None:
        # Raises ClaimLost (after saving) when this attempt no longer holds the row.
        earlier, self.notes = self.notes, {}
        try:
            pub = self.ledger.record_phase(self.publication_id, phase, data, attempt=self.attempt,
                                           earlier=earlier)
        except ClaimLost as lost:
            if not self.reconciling:
                raise
            pub = lost.publication
        self.receipt.phases = dict(pub.phases)
        self.recorded.extend([*earlier, phase])

    def note(self, phase: str, **data: Any) -> None:
        """Keep phase data that need not be saved before the next request (what a repeatable,
        invisible step or the very last step brought back): it is saved with the next `record`,
        the row's final state (`take_notes`) or `flush`, in that same transaction (issue 17:
        one commit fewer per such phase). Lost only if the process dies before that write."""
        self.notes[phase] = {**self.notes.get(phase, {}), **data}
        self.receipt.phases[phase] = {**self.receipt.phases.get(phase, {}), **data}

    def take_notes(self) -> dict[str, dict[str, Any]]:
        """The notes, handed to the write that ends the attempt (and forgotten here)."""
        notes, self.notes = self.notes, {}
        self.recorded.extend(notes)
        return notes

    def flush(self) -> None:
        """Save pending notes on their own (an attempt ending in an error keeps them too)."""
        if not self.notes:
            return
        (phase, data), *rest = self.notes.items()
        self.notes = dict(rest)
        with contextlib.suppress(ClaimLost):  # saved all the same; the attempt is over anyway
            self.record(phase, **data)


def receipt_of(publication: Publication) -> Receipt:
    return Receipt(
        phases=dict(publication.phases or {}),
        remote_id=publication.remote_id,
        url=publication.url,
    )


def context_for(publication: Publication, runtime: Runtime) -> LedgerPublishContext:
    return LedgerPublishContext(
        publication_id=publication.id,
        idempotency_key=publication.idempotency_key,
        receipt=receipt_of(publication),
        state=runtime.state,
        ledger=runtime.ledger,
        attempt=publication.attempts,
    )
