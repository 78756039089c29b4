"""Schedule: plan items against the ledger, sync, the dispatcher tick and the executors it hands work to."""
