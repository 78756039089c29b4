"""Runtime: wiring from settings — the Runtime context, shared state (Redis or ledger), quotas."""
