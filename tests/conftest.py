"""Suite-wide defaults.

A new ledger holds back what fell due before it was created until `publisher adopt`
(issue 13). The tests written before that publish items due minutes ago on a fresh ledger to
test other things, so the suite runs with a wide catch-up window; the ledger-identity tests
(tests/test_ledger_identity.py) set PUBLISHER_CATCH_UP_MINUTES themselves. Set here, before any
test starts, so subprocesses (CLI, workers) inherit it too.
"""

from __future__ import annotations

import os

from publish_fixtures import WIDE_CATCH_UP

for _key, _value in WIDE_CATCH_UP.items():
    os.environ.setdefault(_key, _value)
