"""Defensive removal of secrets from anything the ledger stores.

Callers already scrub their messages; this is the second belt. A token in the ledger would be
readable by anyone who can read the database file or its backups.
"""

from __future__ import annotations

import re
from typing import Any

_SECRET_NAMES = (
    r"(?:access_token|refresh_token|appsecret|app_secret|client_secret|secret|password|token)"
)
# key=value (query strings, form bodies, log lines) and "key": "value" (JSON).
_PAIR = re.compile(rf"(?i)(\b{_SECRET_NAMES}\b\s*[=:]\s*)([^\s&,;\"'}}]+)")
_JSON_PAIR = re.compile(rf"(?i)(\"{_SECRET_NAMES}\"\s*:\s*\")([^\"]*)(\")")
_SECRET_KEY = re.compile(rf"(?i){_SECRET_NAMES}")
MASK = "***"


def scrub_text(text: str | None) -> str | None:
    """Mask values of secret-looking `key=value` / `"key": "value"` pairs."""
    if not text:
        return text
    text = _JSON_PAIR.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return _PAIR.sub(lambda m: m.group(1) + MASK, text)


def scrub_data(value: Any) -> Any:
    """Scrub a JSON-like value: mask values under secret-looking keys, scrub every string."""
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and _SECRET_KEY.fullmatch(k) else scrub_data(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub_data(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value
