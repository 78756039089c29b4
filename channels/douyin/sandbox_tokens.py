"""OAuth tokens of the 抖音 sandbox, by the platform's documented rules.

- `POST /oauth/access_token/` (client_key, client_secret, code, grant_type=authorization_code):
  the owner's one-time authorisation. A code `sandbox-code-<open_id>` authorises that open_id.
  A refresh token starting `rft.sandbox-` is also accepted once as a fresh authorisation, so the
  demo and tests need no browser step; its open_id is the one its first API call names (the
  real platform binds it at authorisation; the sandbox cannot know it earlier).
- access_token lives 15 days, refresh_token 30 days. `POST /oauth/refresh_token/` gives a new
  access token (the old one stops working) and leaves the refresh token's expiry unchanged.
- `POST /oauth/renew_refresh_token/` swaps the refresh token for a new 30-day one (the old one
  stops working), at most 5 times per authorisation (then 10020: re-authorise).
- An expired or revoked refresh token answers 10010; an expired access token 2190008; an unknown
  or replaced one 2190002. `_admin/revoke {open_id}` stands for the owner cancelling the
  authorisation in the 抖音 app (every token of that open_id stops at once).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

SEED_PREFIX = "rft.sandbox-"
CODE_PREFIX = "sandbox-code-"


class ApiError(Exception):
    def __init__(self, code: int, description: str, status: int = 200):
        super().__init__(description)
        self.code, self.description, self.status = code, description, status


@dataclass
class Grant:
    open_id: str
    client_key: str
    refresh_token: str
    refresh_expires_at: float
    access_token: str = ""
    access_expires_at: float = 0.0
    renewals: int = 0
    revoked: bool = False


class TokenBook:
    def __init__(self, access_ttl: float = 15 * 86400, refresh_ttl: float = 30 * 86400, renew_limit: int = 5):
        self.access_ttl, self.refresh_ttl, self.renew_limit = access_ttl, refresh_ttl, renew_limit
        self._lock = threading.Lock()
        self.by_refresh: dict[str, Grant] = {}
        self.by_access: dict[str, Grant] = {}
        self.spent_seeds: set[str] = set()
        self.refreshes = 0
        self.renewals = 0

    def _grant(self, open_id: str, client_key: str, now: float) -> Grant:
        grant = Grant(open_id, client_key, f"rft.{secrets.token_hex(16)}", now + self.refresh_ttl)
        self._issue_access(grant, now)
        self.by_refresh[grant.refresh_token] = grant
        return grant

    def _issue_access(self, grant: Grant, now: float) -> None:
        self.by_access.pop(grant.access_token, None)
        grant.access_token = f"act.{secrets.token_hex(16)}"
        grant.access_expires_at = now + self.access_ttl
        self.by_access[grant.access_token] = grant

    def authorize(self, client_key: str, code: str, now: float) -> Grant:
        if not code.startswith(CODE_PREFIX) or len(code) <= len(CODE_PREFIX):
            raise ApiError(10007, "授权码无效或已过期")  # code invalid
        with self._lock:
            return self._grant(code[len(CODE_PREFIX):], client_key, now)

    def refresh(self, client_key: str, refresh_token: str, now: float) -> Grant:
        with self._lock:
            grant = self._usable_refresh(client_key, refresh_token, now)
            self._issue_access(grant, now)
            self.refreshes += 1
            return grant

    def renew(self, client_key: str, refresh_token: str, now: float) -> Grant:
        with self._lock:
            grant = self._usable_refresh(client_key, refresh_token, now)
            if grant.renewals >= self.renew_limit:
                raise ApiError(10020, "超过刷新次数限制")
            del self.by_refresh[grant.refresh_token]
            grant.refresh_token = f"rft.{secrets.token_hex(16)}"
            grant.refresh_expires_at = now + self.refresh_ttl
            grant.renewals += 1
            self.by_refresh[grant.refresh_token] = grant
            self.renewals += 1
            return grant

    def _usable_refresh(self, client_key: str, refresh_token: str, now: float) -> Grant:
        if not refresh_token or not client_key:
            raise ApiError(10005, "缺少参数")
        grant = self.by_refresh.get(refresh_token)
        if grant is None and refresh_token.startswith(SEED_PREFIX) and refresh_token not in self.spent_seeds:
            # A seed: the owner's authorisation handed to the operator out of band.
            self.spent_seeds.add(refresh_token)
            grant = self._grant("", client_key, now)  # open_id bound by the first API call
            del self.by_refresh[grant.refresh_token]
            grant.refresh_token = refresh_token
            self.by_refresh[refresh_token] = grant
        if grant is None or grant.revoked or grant.refresh_expires_at <= now:
            raise ApiError(10010, "refresh_token 已过期，请重新授权")
        if grant.client_key != client_key:
            raise ApiError(10010, "refresh_token 与 client_key 不匹配")
        return grant

    def user(self, access_token: str, open_id: str, now: float) -> Grant:
        """The grant behind an API call's token, or the platform's error for it."""
        with self._lock:
            grant = self.by_access.get(access_token)
            if grant is None or grant.revoked:
                raise ApiError(2190002, "access_token无效")
            if grant.access_expires_at <= now:
                raise ApiError(2190008, "access_token过期，请刷新或重新授权")
            if not grant.open_id:
                grant.open_id = open_id
            if grant.open_id != open_id:
                raise ApiError(2190002, "access_token 与 open_id 不匹配")
            return grant

    def expire_access(self, access_token: str) -> None:
        with self._lock:
            grant = self.by_access.get(access_token)
            if grant is not None:
                grant.access_expires_at = 0.0

    def revoke(self, open_id: str) -> int:
        with self._lock:
            grants = [g for g in self.by_refresh.values() if g.open_id == open_id]
            for grant in grants:
                grant.revoked = True
            return len(grants)
