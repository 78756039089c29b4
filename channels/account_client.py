"""What the API clients of token-based channels (WeChat, 抖音) share: one account's credentials
from the environment, one HTTP session, the access token fetched single-flight, and a call that
replaces a refused token once and sends again.

A subclass says how its token is kept (`_token_entry`, `_token_of`, `_new_token`) and refused
(`_token_refused`, `refresh_rejected`); the request itself goes through `channels.transport`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import requests
from pydantic import SecretStr

from channels.base import SharedState
from channels.errors import AuthExpired
from channels.transport import pooled_session
from publisher.settings import account_secret, secret_env_name

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_local_midnight(now: datetime | None = None) -> datetime:
    """When the platforms' daily quotas reset: the next 00:00 in Beijing time."""
    now = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    return datetime.combine((now + timedelta(days=1)).date(), datetime.min.time(), tzinfo=SHANGHAI)


class AccountClient:
    """Calls for one account. Safe to share between threads (state is in `SharedState`)."""

    # How long one token fetch may hold the account's token lock (and a waiter wait for it).
    token_lock_seconds: ClassVar[float] = 30.0

    def __init__(
        self,
        account_id: str,
        config: Any,
        state: SharedState,
        session: requests.Session | None = None,
        secret: SecretStr | None = None,
    ) -> None:
        self.account_id = account_id
        self.config = config
        self.state = state
        self.session = session or pooled_session()  # reused per worker thread
        self._secret = secret
        self._timeout = (config.connect_timeout_seconds, config.timeout_seconds)

    # -- to be provided ----------------------------------------------------------------------
    def _key(self, name: str) -> str:
        """A shared-state key of this account (its app and account ids are part of it)."""
        raise NotImplementedError

    def _missing_secret(self, env: str) -> str:
        """The sentence for editors when the app secret is not configured."""
        raise NotImplementedError

    def _token_entry(self) -> Any:
        """What the shared state holds about the token (None when nothing usable)."""
        raise NotImplementedError

    def _token_of(self, entry: Any) -> str | None:
        """The access token of `entry` if it is still good to use."""
        raise NotImplementedError

    def _new_token(self, entry: Any) -> str:
        """Under the token lock: fetch a token (saving it), starting from `entry`."""
        raise NotImplementedError

    def refresh_rejected(self, rejected: str) -> str:
        """The platform refused `rejected`: replace it once, single-flight."""
        raise NotImplementedError

    def _token_refused(self, body: dict[str, Any]) -> bool:
        """The answer says the token was refused (before the platform did anything)."""
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------------
    def _secret_value(self) -> str:
        secret = self._secret or account_secret(self.account_id)
        if secret is None:
            raise AuthExpired(self._missing_secret(secret_env_name(self.account_id)))
        return secret.get_secret_value()

    def access_token(self) -> str:
        token = self._token_of(self._token_entry())
        if token:
            return token
        with self.state.lock(self._key("token-lock"), timeout_seconds=self.token_lock_seconds):
            entry = self._token_entry()  # another worker may have fetched it while we waited
            return self._token_of(entry) or self._new_token(entry)

    def _token(self, what: str, get_token: Callable[[], str]) -> str:
        """The token for a request about to be sent (a subclass may map failures here)."""
        return get_token()

    def _send_with_token(self, what: str, send: Callable[[str], dict[str, Any]]) -> tuple[dict[str, Any], str]:
        """`send(token)` with the account's token; a refused token is replaced once and the
        request sent again (the platform refused it before doing anything, so even a request
        that changes something may be repeated). Returns (answer, the token it went with)."""
        token = self._token(what, self.access_token)
        body = send(token)
        if self._token_refused(body):
            refused = token
            token = self._token(what, lambda: self.refresh_rejected(refused))
            body = send(token)
        return body, token
