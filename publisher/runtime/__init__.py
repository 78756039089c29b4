"""Runtime: wiring from settings — shared state, quotas, the executor protocol."""
