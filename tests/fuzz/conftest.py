"""Fuzz tests (hypothesis): bad input only ever yields findings.

Profiles: the default keeps `make test` short (each test sets its own example count);
`pytest tests/fuzz --hypothesis-profile=long` runs 2,000 examples per test.
"""

import sys
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

settings.register_profile(
    "long",
    max_examples=2000,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
