"""What a publish attempt carries: its outcome, and the ledger-backed `PublishContext` through
which a channel records every irreversible step before the next."""

from __future__ import annotations

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

    def record(self, phase: str, **data: Any) -> None:
        # Raises ClaimLost (after saving) when this attempt no longer holds the row.
        try:
            pub = self.ledger.record_phase(self.publication_id, phase, data, attempt=self.attempt)
        except ClaimLost as lost:
            if not self.reconciling:
                raise
            pub = lost.publication
        self.receipt.phases = dict(pub.phases)
        self.recorded.append(phase)


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
