"""Alembic environment and revisions of the ledger (run them with `publisher.ledger.migrate`)."""
