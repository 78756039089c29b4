"""WeChat Official Account API client: the access token and one call, with errors mapped.

Token (reference/channels.md): one per account from `POST /cgi-bin/stable_token`, cached in the
shared state under a key that includes the appid, fetched single-flight under a shared lock, so
sixteen workers make one fetch. When a call answers 40001/40014/42001 the token is refreshed once
with `force_refresh` (at most 20 a day, 30 s apart, counted in the shared state) and the call is
retried once; if that fails too the account needs attention (`AuthExpired`).

The access token travels in the query string: no message built here quotes a URL, the token or
the app secret.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from channels.account_client import SHANGHAI, AccountClient, next_local_midnight
from channels.errors import AuthExpired, ChannelError, Permanent, QuotaExceeded, Rejected, Transient
from channels.token_seal import seal, unseal
from channels.transport import json_body, request_json, scrub, send
from channels.wechat.config import WeChatConfig
from publisher.settings import account_secret

__all__ = ["SHANGHAI", "TOKEN_REJECTED", "WeChatClient", "error_for", "next_local_midnight"]

TOKEN_REJECTED = {40001, 40014, 42001}

_PERMISSION = {
    48001: "公众号没有该接口的权限（48001）：请确认公众号已认证，并在微信公众平台开通相应接口权限",
    48004: "该接口已被微信封禁（48004）：请登录微信公众平台查看封禁原因",
    50001: "该接口未获授权（50001）：请在微信公众平台为本公众号授权后再试",
    50002: "公众号受限（50002）：可能因违规被限制使用接口，请登录微信公众平台查看",
    40164: "本机 IP 地址不在公众号的 IP 白名单中（40164）：请在微信公众平台“开发-基本配置”中添加",
}
_CREDENTIALS = {
    40013: "公众号 AppID 无效（40013）：请检查 publisher.toml 中该账号的 appid",
    40125: "公众号 AppSecret 无效（40125）：请检查环境变量中配置的密钥",
    41002: "请求缺少 AppID（41002）：请检查账号配置",
    41004: "请求缺少 AppSecret（41004）：请在环境变量中配置该账号的密钥",
}
_CONTENT = {
    40005: "图片格式不受支持（40005）：正文图片只能是 JPG 或 PNG",
    40009: "图片太大（40009）：正文图片须小于 1 MB，封面图片不超过 10 MB",
    45002: "正文超出长度限制（45002）：须少于 2 万字且小于 1 MB",
    45003: "标题超出长度限制（45003）：最多 32 个字",
    45004: "摘要超出长度限制（45004）：最多 128 个字",
    45005: "“阅读原文”链接太长（45005）：最多 1 KB",
    45110: "作者超出长度限制（45110）：最多 16 个字",
    53503: "草稿未通过发布检查（53503）：请在微信公众平台查看草稿",
}


def error_for(code: int, errmsg: str, what: str) -> ChannelError:
    """The channel error for a non-zero errcode (token errors are handled by the caller)."""
    if code == -1:
        return Transient(f"{what}：微信系统繁忙（-1），稍后重试", code=code, retry_after=5.0)
    if code == 45011:
        return Transient(f"{what}：接口调用太频繁（45011），稍后重试", code=code, retry_after=60.0)
    if code == 45009:
        reset = next_local_midnight()
        return QuotaExceeded(
            f"{what}：公众号今日接口调用次数已用完（45009），账号暂停到 {reset:%m月%d日 %H:%M}",
            code=code,
            reset_at=reset,
        )
    if code in TOKEN_REJECTED:
        return AuthExpired(
            f"{what}：接口凭证在强制刷新后仍被拒绝（{code}），请检查公众号的 AppID 和密钥", code=code
        )
    if code in _CREDENTIALS:
        return AuthExpired(f"{what}：{_CREDENTIALS[code]}", code=code)
    if code in _PERMISSION:
        return Permanent(f"{what}：{_PERMISSION[code]}", code=code)
    if code in _CONTENT:
        return Rejected(f"{what}：{_CONTENT[code]}", code=code)
    if code == 40007:
        return Permanent(f"{what}：素材编号（media_id）无效或已失效（40007）", code=code)
    return Permanent(f"{what}：微信接口返回错误 {code}（{errmsg[:120]}）", code=code)


class WeChatClient(AccountClient):
    """Calls for one account. Safe to share between threads (state is in `SharedState`)."""

    config: WeChatConfig

    # -- shared-state keys: the appid is part of each, so two accounts never share a token
    def _key(self, name: str) -> str:
        return f"wechat:{self.config.appid}:{name}"

    def _missing_secret(self, env: str) -> str:
        return f"公众号“{self.account_id}”未配置密钥：请设置环境变量 {env}"

    # -- token -----------------------------------------------------------------------------
    def _token_entry(self) -> str | None:
        return self._cached_token()

    def _token_of(self, entry: str | None) -> str | None:
        return entry

    def _new_token(self, entry: str | None) -> str:
        return self._fetch_token(force=False)

    def _token_refused(self, body: dict[str, Any]) -> bool:
        return int(body.get("errcode") or 0) in TOKEN_REJECTED

    def _cached_token(self) -> str | None:
        raw = self.state.get(self._key("token"))
        if not raw:
            return None
        entry = json.loads(raw)
        if entry["expires_at"] - self.config.token_margin_seconds <= time.time():
            return None
        # Sealed with the app secret (channels.token_seal); anything else is fetched again.
        return unseal(str(entry.get("sealed", "")), self._secret_value())

    def _fetch_token(self, *, force: bool) -> str:
        what = "获取公众号接口凭证"
        response = send(
            self.session,
            "POST",
            self.config.base_url.rstrip("/") + "/cgi-bin/stable_token",
            what=what,
            safe_to_repeat=True,
            timeout=self._timeout,
            json={
                "grant_type": "client_credential",
                "appid": self.config.appid,
                "secret": self._secret_value(),
                "force_refresh": force,
            },
        )
        body = json_body(response, what)
        code = int(body.get("errcode") or 0)
        if code or "access_token" not in body:
            raise error_for(code, self._scrub(str(body.get("errmsg", ""))), what)
        token, expires_in = str(body["access_token"]), float(body.get("expires_in", 7200))
        entry = {"sealed": seal(token, self._secret_value()), "expires_at": time.time() + expires_in}
        self.state.set(self._key("token"), json.dumps(entry), ttl_seconds=max(1.0, expires_in))
        return token

    def refresh_rejected(self, rejected: str) -> str:
        """A token the platform refused: replace it once, single-flight, within the force budget."""
        with self.state.lock(self._key("token-lock"), timeout_seconds=30.0):
            cached = self._cached_token()
            if cached and cached != rejected:
                return cached  # someone already replaced it
            wait = self._forced_refresh_wait()
            if wait == 0.0:
                self._note_forced_refresh()
                return self._fetch_token(force=True)
            token = self._fetch_token(force=False)
            if token != rejected:
                return token
        if wait is None:
            reset = next_local_midnight()
            raise QuotaExceeded(
                f"公众号“{self.account_id}”的接口凭证失效，且今日强制刷新次数已用完；账号暂停到 {reset:%m月%d日 %H:%M}",
                code=40001,
                reset_at=reset,
            )
        raise Transient("公众号接口凭证失效，刚刚已强制刷新过，稍后重试", code=40001, retry_after=wait)

    def _forced_refresh_wait(self) -> float | None:
        """0 if a forced refresh is allowed now, seconds to wait, or None when today's are used."""
        today = datetime.now(SHANGHAI).strftime("%Y%m%d")
        used = int(self.state.get(self._key(f"forced-count:{today}")) or 0)
        if used >= self.config.forced_refresh_per_day:
            return None
        last = float(self.state.get(self._key("forced-last")) or 0.0)
        remaining = last + self.config.forced_refresh_interval_seconds - time.time()
        return max(0.0, remaining)

    def _note_forced_refresh(self) -> None:
        today = datetime.now(SHANGHAI).strftime("%Y%m%d")
        key = self._key(f"forced-count:{today}")
        self.state.set(key, str(int(self.state.get(key) or 0) + 1), ttl_seconds=2 * 86400)
        self.state.set(self._key("forced-last"), repr(time.time()), ttl_seconds=86400)

    # -- calls -----------------------------------------------------------------------------
    def call(
        self,
        path: str,
        *,
        what: str,
        safe_to_repeat: bool,
        json_body_: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """POST `path` with the account's token; return the JSON body or raise a channel error."""
        body, token = self._send_with_token(
            what, lambda t: self._post(path, t, what, safe_to_repeat, json_body_, params, files, idempotency_key)
        )
        code = int(body.get("errcode") or 0)
        if code:
            raise error_for(code, self._scrub(str(body.get("errmsg", "")), token), what)
        return body

    def _token(self, what: str, get_token) -> str:
        """The token, or a Transient error saying the request was not sent.

        The token lives in the shared state (Redis). When that is unreachable (a Redis restart),
        the request never left this machine: a Transient error lets the caller clear its
        "submitting" mark and retry later, instead of leaving a false "unconfirmed" row."""
        try:
            return get_token()
        except ChannelError:
            raise
        except Exception as exc:  # noqa: BLE001 - Redis errors, lock timeouts: nothing was sent
            raise Transient(f"{what}未发出：共享状态（Redis）暂不可用，稍后重试（{type(exc).__name__}）") from exc

    def _post(self, path, token, what, safe_to_repeat, json_body_, params, files, idempotency_key):
        return request_json(
            self.session,
            "POST",
            self.config.base_url.rstrip("/") + path,
            what=what,
            safe_to_repeat=safe_to_repeat,
            timeout=self._timeout,
            json_body_=json_body_,
            idempotency_key=idempotency_key,
            params={"access_token": token, **(params or {})},
            files=files,
        )

    def _scrub(self, text: str, token: str | None = None) -> str:
        secret = self._secret or account_secret(self.account_id)
        return scrub(text, token, secret.get_secret_value() if secret else None)
