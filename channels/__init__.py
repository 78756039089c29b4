"""Channel adapters: one package per channel (render, client, adapter, sandbox)."""
