"""Access tokens at rest: sealed with a key derived from the account's own secret.

Cached tokens live in shared state (Redis for Celery, the ledger database for `publisher run`),
which is backed up, copied and read by people who never see the secrets. A sealed entry is
useless without the app secret from the environment, and every process that may use the token
has that secret anyway. Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

_CONTEXT = b"publisher access-token cache v1\0"


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(_CONTEXT + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str, secret: str) -> str:
    return _fernet(secret).encrypt(value.encode()).decode("ascii")


def unseal(sealed: str, secret: str) -> str | None:
    """The value, or None when it does not open (another secret, tampered, not sealed)."""
    try:
        return _fernet(secret).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None
