"""Douyin Open Platform client: the account's OAuth tokens and one API call, errors mapped.

Tokens (the platform's documented rules): the owner authorises the app once; the operator puts
the refresh_token they got into `PUBLISHER_SECRET_<ACCOUNT>_REFRESH_TOKEN` (the app's
client_secret into `PUBLISHER_SECRET_<ACCOUNT>`). From then on the client keeps, per
(client_key, open_id), one entry in the shared state: access token (15 days), refresh token
(30 days), their expiry, sealed with the client_secret (channels.token_seal). Refreshing happens
single-flight under a shared lock, so sixteen workers make one refresh call; when fewer than
`renew_refresh_before_days` remain, the refresh token itself is renewed (`renew_refresh_token`,
at most 5 times; each renewal kills the old one, which is why it must never run twice at once).
When the refresh token is expired, revoked or used up (10010, 10020), the account needs its owner:
`AuthExpired` with "抖音授权已过期，请重新授权", and the core pauses the account.

A call whose access token is refused (2190002/2190008/…) is refreshed once and sent again: the
platform refused it before doing anything, so even a create may be repeated then. The token goes
in the `access-token` header, never in a URL or a message.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import requests
from pydantic import SecretStr

from channels.account_client import SHANGHAI, AccountClient, next_local_midnight
from channels.base import SharedState
from channels.douyin.config import DouyinConfig
from channels.errors import AuthExpired, ChannelError, Permanent, QuotaExceeded, Rejected, Transient
from channels.token_seal import seal, unseal
from channels.transport import json_body, request_json, scrub, send
from publisher.settings import account_secret, secret_env_name

__all__ = ["REAUTHORISE", "SHANGHAI", "DouyinClient", "error_code", "error_for", "next_local_midnight"]

REAUTHORISE = "抖音授权已过期，请重新授权"
ACCESS_REJECTED = {2190002, 2190008, 10008, 28001003, 28001008}
REFRESH_DEAD = {10010, 10020, 10007, 28001008}
_BUSY = {2100004, 28001005, 28001006}
_QUOTA = {2190001, 28003017}
_PERMISSION = {
    2100007: "应用没有该操作的权限（2100007）：请在抖音开放平台为应用申请“代替用户发布内容到抖音”等能力",
    28001012: "用户未授权该接口（28001012）：请让账号所有人重新授权，并勾选发布视频的权限",
    28001018: "应用未获得该能力（28001018）：请在抖音开放平台申请相应能力",
    2100009: "抖音账号被禁止使用该操作（2100009）：请登录抖音查看账号状态",
    28001016: "应用已被封禁或下线（28001016）：请联系抖音开放平台",
}


def error_code(body: dict[str, Any]) -> tuple[int, str]:
    """(code, description) of an answer: `data.error_code`, else `extra.error_code`, else the
    newer `err_no`/`err_msg`."""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    extra = body.get("extra") if isinstance(body.get("extra"), dict) else {}
    for source, code_key, text_key in ((data, "error_code", "description"), (extra, "error_code", "description"),
                                       (body, "err_no", "err_msg")):
        try:
            code = int(source.get(code_key) or 0)
        except (TypeError, ValueError):
            code = 0
        if code:
            return code, str(source.get(text_key) or "")
    return 0, ""


def error_for(code: int, description: str, what: str, account_id: str) -> ChannelError:
    if code in ACCESS_REJECTED or code in REFRESH_DEAD:
        return AuthExpired(f"{what}：抖音账号“{account_id}”的{REAUTHORISE}（{code}）", code=code)
    if code in _BUSY:
        return Transient(f"{what}：抖音系统繁忙（{code}），稍后重试", code=code, retry_after=30.0)
    if code == 28003018:
        return Transient(f"{what}：请求太频繁（{code}），稍后重试", code=code, retry_after=120.0)
    if code in _QUOTA:
        reset = next_local_midnight()
        return QuotaExceeded(f"{what}：抖音接口今日调用次数已用完（{code}），账号暂停到 {reset:%m月%d日 %H:%M}",
                             code=code, reset_at=reset)
    if code in _PERMISSION:
        return Permanent(f"{what}：{_PERMISSION[code]}", code=code)
    if code in (2100005, 28001007):
        return Rejected(f"{what}：抖音认为请求参数不合法（{code}）：{description[:120]}", code=code)
    return Permanent(f"{what}：抖音接口返回错误 {code}（{description[:120]}）", code=code)


class DouyinClient(AccountClient):
    """Calls for one authorised account. Safe to share between threads (state is shared)."""

    config: DouyinConfig
    token_lock_seconds = 60.0

    def __init__(
        self,
        account_id: str,
        config: DouyinConfig,
        state: SharedState,
        session: requests.Session | None = None,
        secret: SecretStr | None = None,
        refresh_seed: SecretStr | None = None,
    ) -> None:
        super().__init__(account_id, config, state, session, secret)
        self._seed = refresh_seed

    def _key(self, name: str) -> str:
        return f"douyin:{self.config.client_key}:{self.config.open_id}:{name}"

    def _missing_secret(self, env: str) -> str:
        return f"抖音账号“{self.account_id}”未配置应用密钥（client_secret）：请设置环境变量 {env}"

    def _seed_value(self) -> str | None:
        seed = self._seed or account_secret(self.account_id, "refresh_token")
        return seed.get_secret_value() if seed else None

    # -- the token entry ---------------------------------------------------------------------
    def _entry(self) -> dict[str, Any] | None:
        raw = self.state.get(self._key("tokens"))
        if not raw:
            return None
        opened = unseal(str(json.loads(raw).get("sealed", "")), self._secret_value())
        if opened is None:
            return None
        entry = json.loads(opened)
        seed = self._seed_value()
        # The operator put a new refresh token in the environment (re-authorised): start from it.
        if seed and entry.get("seed_sha") != hashlib.sha256(seed.encode()).hexdigest():
            return None
        return entry

    def _save(self, entry: dict[str, Any]) -> None:
        sealed = seal(json.dumps(entry), self._secret_value())
        ttl = max(60.0, float(entry["refresh_expires_at"]) - time.time() + 86400)
        self.state.set(self._key("tokens"), json.dumps({"sealed": sealed}), ttl_seconds=ttl)

    def _fresh(self, entry: dict[str, Any] | None) -> bool:
        return bool(entry) and float(entry["access_expires_at"]) - self.config.token_margin_seconds > time.time()

    def _token_entry(self) -> dict[str, Any] | None:
        return self._entry()

    def _token_of(self, entry: dict[str, Any] | None) -> str | None:
        return str(entry["access_token"]) if self._fresh(entry) else None

    def _new_token(self, entry: dict[str, Any] | None) -> str:
        return self._refresh(entry)

    def _token_refused(self, body: dict[str, Any]) -> bool:
        return error_code(body)[0] in ACCESS_REJECTED

    def refresh_rejected(self, rejected: str) -> str:
        """The platform refused `rejected`: replace it once, single-flight."""
        with self.state.lock(self._key("token-lock"), timeout_seconds=60.0):
            entry = self._entry()
            if entry and entry.get("access_token") != rejected and self._fresh(entry):
                return str(entry["access_token"])  # someone already replaced it
            return self._refresh(entry)

    def _refresh(self, entry: dict[str, Any] | None) -> str:
        """Under the lock: a new access token from the refresh token (and a renewed refresh token
        when it is near its end). Saved before returning."""
        seed = self._seed_value()
        refresh_token = (entry or {}).get("refresh_token") or seed
        if not refresh_token:
            env = secret_env_name(self.account_id, "refresh_token")
            raise AuthExpired(f"抖音账号“{self.account_id}”尚未授权：请让账号所有人授权后，把 refresh_token 写入环境变量 {env}")
        what = "刷新抖音授权"
        data = self._oauth(self.config.refresh_token_path, what,
                           {"client_key": self.config.client_key, "grant_type": "refresh_token",
                            "refresh_token": refresh_token})
        now = time.time()
        refresh_expires_at = float((entry or {}).get("refresh_expires_at") or now + 30 * 86400)
        if data.get("refresh_expires_in"):
            refresh_expires_at = now + float(data["refresh_expires_in"])
        new = {
            "access_token": str(data["access_token"]),
            "access_expires_at": now + float(data.get("expires_in") or 15 * 86400),
            "refresh_token": str(data.get("refresh_token") or refresh_token),
            "refresh_expires_at": refresh_expires_at,
            "seed_sha": hashlib.sha256(seed.encode()).hexdigest() if seed else (entry or {}).get("seed_sha"),
            "renew_exhausted": bool((entry or {}).get("renew_exhausted")),
        }
        self._save(new)
        if not new["renew_exhausted"] and refresh_expires_at - now < self.config.renew_refresh_before_days * 86400:
            self._renew(new)
        return str(new["access_token"])

    def _renew(self, entry: dict[str, Any]) -> None:
        try:
            data = self._oauth(self.config.renew_refresh_token_path, "续期抖音授权",
                               {"client_key": self.config.client_key, "refresh_token": entry["refresh_token"]})
        except AuthExpired as exc:
            if exc.code != 10020:
                raise
            entry["renew_exhausted"] = True  # 5 renewals used: works until it expires, then re-authorise
            self._save(entry)
            return
        entry["refresh_token"] = str(data["refresh_token"])
        entry["refresh_expires_at"] = time.time() + float(data.get("expires_in") or 30 * 86400)
        self._save(entry)

    def _oauth(self, path: str, what: str, form: dict[str, str]) -> dict[str, Any]:
        response = send(self.session, "POST", self.config.base_url.rstrip("/") + path, what=what,
                        safe_to_repeat=True, timeout=self._timeout, data=form)
        body = json_body(response, what)
        code, description = error_code(body)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        if code:
            raise error_for(code, self._scrub(description, *form.values()), what, self.account_id)
        if path == self.config.refresh_token_path and "access_token" not in data:
            raise Transient(f"{what}：抖音返回的应答缺少 access_token", retry_after=30.0)
        return data

    # -- calls -------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        safe_to_repeat: bool,
        json_body_: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Call `path` for this account; return the answer's `data` or raise a channel error."""
        body, token = self._send_with_token(
            what, lambda t: self._send(method, path, t, what, safe_to_repeat, json_body_, params, files, idempotency_key)
        )
        code, _ = error_code(body)
        if code:
            raise error_for(code, self._scrub(error_code(body)[1], token), what, self.account_id)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def _send(self, method, path, token, what, safe_to_repeat, json_body_, params, files, idempotency_key):
        return request_json(
            self.session, method, self.config.base_url.rstrip("/") + path, what=what,
            safe_to_repeat=safe_to_repeat, timeout=self._timeout, json_body_=json_body_,
            idempotency_key=idempotency_key, headers={"access-token": token},
            params={"open_id": self.config.open_id, **(params or {})}, files=files,
        )

    def _scrub(self, text: str, *secrets: str | None) -> str:
        return scrub(text, *secrets, self._seed_value())
