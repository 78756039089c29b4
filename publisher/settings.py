"""Process settings: `PUBLISHER_*` environment variables and an optional `.env` file.

Secrets (account app secrets, tokens) are `SecretStr` and come from the environment only; they are
never written to `publisher.toml`, logs, output or the ledger.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PUBLISHER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    content_dir: Path = Field(default=Path("content"), description="content repo root")
    state_dir: Path = Field(default=Path(".state"), description="ledger, caches, built site")
    database_url: str | None = Field(default=None, description="default: SQLite in state_dir")
    broker_url: str = "redis://127.0.0.1:6379/0"
    executor: Literal["local", "celery"] = "local"
    timezone: str = "Asia/Shanghai"
    # Git: sync reads the committed state of `branch` (default: the checked-out branch), fetching
    # its upstream first when it has one. `use_git=false` reads the working tree instead; a folder
    # outside git is always read as it is.
    use_git: bool = True
    branch: str | None = None
    # A deployment's own clone: content_dir is then a folder this program owns, cloned from this
    # remote on first use and fetched on every sync (publisher.content.clone).
    content_remote: str | None = None
    tick_seconds: float = 2.0
    # A new ledger (or an account new to it) sends what fell due at most this many minutes before
    # it was created; anything older is held until `publisher adopt` (publisher.ledger.identity).
    catch_up_minutes: float = Field(default=0.0, ge=0)
    # DEBUG/INFO/WARNING/ERROR/CRITICAL for commands, workers and beat (publisher.runtime.logs);
    # unset: WARNING for commands, celery's --loglevel for workers.
    log_level: str | None = None
    # Remote images in bodies are refused unless enabled (SSRF); see checks.images.
    allow_remote_images: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.state_dir / 'ledger.sqlite3').resolve()}"

    @property
    def site_dir(self) -> Path:
        return self.state_dir / "site"


def secret_env_name(account_id: str, name: str = "secret") -> str:
    """Where an account's secret lives: `wx-main` → `PUBLISHER_SECRET_WX_MAIN`; other names get a
    suffix (`wb-main` + `token` → `PUBLISHER_SECRET_WB_MAIN_TOKEN`)."""
    key = "PUBLISHER_SECRET_" + account_id.upper().replace("-", "_").replace(".", "_")
    return key if name == "secret" else f"{key}_{name.upper()}"


def account_secret(account_id: str, name: str = "secret") -> SecretStr | None:
    """An account's secret from the environment (see `secret_env_name`); None when unset."""
    value = os.environ.get(secret_env_name(account_id, name))
    return SecretStr(value) if value else None


def ensure_private_dir(path: Path) -> Path:
    """Create a folder readable by its owner only (state, database, caches hold secrets' outcomes).

    Only a folder made here is set to 0700. A folder that already exists keeps its mode: an
    operator who points the ledger at /tmp/ledger.sqlite3 or the state at /var/lib must not have
    /tmp or /var/lib closed to every other user and service (the ledger file itself is 0600
    either way); a loose existing folder is reported instead."""
    if path.is_dir():
        mode = path.stat().st_mode
        if mode & 0o077:
            logging.getLogger(__name__).warning(
                "目录 %s 其他用户也能访问（权限 %o），本工具不更改已有目录的权限；"
                "如它只供本工具使用，可运行 chmod 700 %s", path, mode & 0o7777, path,
            )
        return path
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
