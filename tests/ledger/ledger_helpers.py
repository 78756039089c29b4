"""Helpers the ledger tests import by a name no other test folder uses (every folder's
`conftest` is importable as plain `conftest`, so importing from it picks whichever came first)."""

from __future__ import annotations

from publisher.ledger import Ledger
from publisher.ledger.schema import metadata


def empty_ledger(ledger: Ledger) -> None:
    """Delete every row (children first); cheaper than a new database per test."""
    with ledger.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
