"""Secrets never enter an archive (an archive is copied, mailed and kept for decades).

Renditions are pure and carry none, and the ledger scrubs what it stores; this is the last belt:
every byte about to be written is searched for the secrets this process knows (the accounts'
app secrets and tokens, passwords in the database and broker URLs). A hit stops the build
before anything is written, naming the file, never the secret.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from publisher.settings import Settings

SECRET_PREFIX = "PUBLISHER_SECRET_"
MIN_LENGTH = 6  # shorter values would match ordinary text; no real secret is that short


class SecretInArchive(Exception):
    """A known secret would have been archived; the message (Chinese) names the file only."""


def known_secrets(settings: Settings) -> list[bytes]:
    values = {value for key, value in os.environ.items() if key.startswith(SECRET_PREFIX) and value}
    for url in (settings.database_url, settings.broker_url):
        password = urlsplit(url).password if url else None
        if password:
            values |= {password, unquote(password)}
    return sorted({v.encode() for v in values if len(v) >= MIN_LENGTH})


def refuse_secrets(files: dict[str, bytes], secrets: list[bytes]) -> None:
    for name, data in sorted(files.items()):
        if any(secret in data for secret in secrets):
            raise SecretInArchive(f"归档文件 {name} 中含有账号密钥或令牌，已停止归档（未写入任何文件）；请联系管理员检查该内容的来源")
