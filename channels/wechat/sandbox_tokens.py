"""Access tokens of the WeChat sandbox, by the platform's rules (reference/channels.md).

- `GET /cgi-bin/token` issues a new token each call; the previous one stays valid 5 more minutes.
- `POST /cgi-bin/stable_token` returns the same token until it is within 5 minutes of expiry;
  `force_refresh` issues a new one and revokes the old at once, at most 20 a day, 30 s apart.
  The two kinds are separate: one never invalidates the other.
- A revoked token ("token invalidation" fault) is still handed out by normal `stable_token`
  calls, as on the platform: only a forced refresh replaces it. APIs answer 40001 for it.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

OVERLAP_SECONDS = 300.0


@dataclass
class Token:
    value: str
    appid: str
    expires_at: float
    kind: str  # "stable" | "legacy"
    revoked: bool = False


@dataclass
class TokenAccount:
    stable: Token | None = None
    legacy: Token | None = None
    forced: list[float] = field(default_factory=list)


class ApiError(Exception):
    """An errcode answer of the sandbox (token rules and every endpoint)."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


class TokenBook:
    def __init__(
        self,
        ttl_seconds: float = 7200.0,
        forced_per_day: int = 20,
        forced_interval_seconds: float = 30.0,
    ) -> None:
        self.ttl = ttl_seconds
        self.forced_per_day = forced_per_day
        self.forced_interval = forced_interval_seconds
        self._lock = threading.Lock()
        self.tokens: dict[str, Token] = {}
        self.accounts: dict[str, TokenAccount] = {}
        self.fetches: dict[str, Counter[str]] = {}

    def _issue(self, appid: str, kind: str, now: float) -> Token:
        token = Token("sbx_" + secrets.token_urlsafe(36), appid, now + self.ttl, kind)
        self.tokens[token.value] = token
        self.fetches.setdefault(appid, Counter())["issued"] += 1
        return token

    def legacy(self, appid: str, now: float) -> Token:
        with self._lock:
            account = self.accounts.setdefault(appid, TokenAccount())
            self.fetches.setdefault(appid, Counter())["legacy"] += 1
            if account.legacy is not None:
                account.legacy.expires_at = min(account.legacy.expires_at, now + OVERLAP_SECONDS)
            account.legacy = self._issue(appid, "legacy", now)
            return account.legacy

    def stable(self, appid: str, now: float, force: bool) -> Token:
        with self._lock:
            account = self.accounts.setdefault(appid, TokenAccount())
            counter = self.fetches.setdefault(appid, Counter())
            counter["forced" if force else "stable"] += 1
            if force:
                recent = [t for t in account.forced if t > now - 86400]
                if len(recent) >= self.forced_per_day:
                    raise ApiError(45009, "reach max api daily quota limit (force_refresh 20/day)")
                if recent and now - recent[-1] < self.forced_interval:
                    raise ApiError(45011, "api minute-quota reach limit (force_refresh >= 30s apart)")
                account.forced = [*recent, now]
                if account.stable is not None:
                    account.stable.revoked = True
                account.stable = self._issue(appid, "stable", now)
                return account.stable
            current = account.stable
            if current is None or current.expires_at - now <= OVERLAP_SECONDS:
                # The old one keeps its own expiry: both work during the overlap.
                account.stable = self._issue(appid, "stable", now)
            return account.stable

    def revoke(self, appid: str) -> None:
        with self._lock:
            account = self.accounts.get(appid)
            for token in (account.stable, account.legacy) if account else ():
                if token is not None:
                    token.revoked = True

    def check(self, value: str | None, now: float) -> str:
        """The appid a token belongs to, or a ApiError with the platform's code."""
        if not value:
            raise ApiError(41001, "access_token missing")
        token = self.tokens.get(value)
        if token is None:
            raise ApiError(40014, "invalid access_token")
        if token.revoked:
            raise ApiError(40001, "invalid credential, access_token is invalid or not latest")
        if token.expires_at <= now:
            raise ApiError(42001, "access_token expired")
        return token.appid

    def counters(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {appid: dict(c) for appid, c in self.fetches.items()}
