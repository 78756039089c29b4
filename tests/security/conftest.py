"""Security tests: shared test helpers live one level up (tests/publish_fixtures.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
