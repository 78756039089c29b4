"""Schedule: plan items against the ledger, sync, and the dispatcher tick."""
