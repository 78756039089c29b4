"""The office's read-only dashboard: status board, publishing calendar, inspection results and
the quarterly report's charts, as static HTML (no JavaScript) — or served on 127.0.0.1.

    index = build_dashboard(runtime_or_ledger, matrix, settings, out_dir, now)
    serve_dashboard(rebuild, out_dir, port=8765)             # http.server, loopback by default
"""

from publisher.office.dashboard.builder import CSP, build_dashboard
from publisher.office.dashboard.server import serve_dashboard

__all__ = ["CSP", "build_dashboard", "serve_dashboard"]
