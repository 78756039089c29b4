"""The ledger: the source of truth for what was, is and will be published (DESIGN.md 1–3, 5).

    ledger = open_ledger()                        # migrates to head; SQLite file owner-only
    vid = ledger.upsert_item_version(item_id, source_hash, title, ...)
    pub, action = ledger.upsert_publication(item_id, vid, channel, account_id, hash, when)
    for pub in ledger.claim_due(now, window_seconds, limit, worker):   # scheduled → queued
        executor.submit(pub.id)
    pub = ledger.start(pub_id, worker)            # queued → publishing, or None: do nothing
    ledger.record_phase(pub.id, "draft", {"media_id": ...}, attempt=pub.attempts)
    ledger.finish_published(pub.id, remote_id, url, attempt=pub.attempts)

States and transitions: `publisher.ledger.states`; full guide: docs/ledger.md.
"""

from publisher.ledger.columns import UTCDateTime, utcnow
from publisher.ledger.core import PublicationNotFound, os_user, worker_id
from publisher.ledger.engine import LedgerUnavailable
from publisher.ledger.execution import ClaimLost
from publisher.ledger.ledger import Ledger, open_ledger
from publisher.ledger.planning import UpsertAction
from publisher.ledger.records import (
    AccountPause,
    AuditEntry,
    Freeze,
    FrozenState,
    ItemVersion,
    Publication,
)
from publisher.ledger.state_table import LedgerState, LockTimeout
from publisher.ledger.states import (
    FINAL_STATES,
    TRANSITIONS,
    UNCLAIMED_STATES,
    IllegalTransition,
    State,
    check_transition,
    state_label,
)
from publisher.ledger.sync_health import Problem, SyncHealth

__all__ = [
    "FINAL_STATES",
    "TRANSITIONS",
    "UNCLAIMED_STATES",
    "AccountPause",
    "AuditEntry",
    "ClaimLost",
    "Freeze",
    "FrozenState",
    "IllegalTransition",
    "ItemVersion",
    "Ledger",
    "LedgerState",
    "LedgerUnavailable",
    "LockTimeout",
    "Problem",
    "Publication",
    "PublicationNotFound",
    "State",
    "SyncHealth",
    "UTCDateTime",
    "UpsertAction",
    "check_transition",
    "open_ledger",
    "os_user",
    "state_label",
    "utcnow",
    "worker_id",
]
