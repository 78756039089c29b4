"""Weibo API client: one call with the account's OAuth2 token, errors mapped to channel errors.

The token comes from `PUBLISHER_SECRET_<ACCOUNT>_TOKEN`; it is sent as the `access_token` form
field (query field for GET) and never appears in a message.
"""

from __future__ import annotations

from typing import Any

import requests
from pydantic import SecretStr

from channels.errors import (
    AuthExpired,
    ChannelError,
    DuplicateContent,
    Permanent,
    Rejected,
    Transient,
)
from channels.transport import IDEMPOTENCY_HEADER, pooled_session, send
from channels.weibo.config import WeiboConfig
from publisher.settings import account_secret, secret_env_name

REAUTHORISE = "账号授权已过期，请重新授权"
_AUTH = {21301, 21314, 21315, 21316, 21317, 21327, 21332}
# Rate limits: come back later. 20016 is a short burst limit; 10023/10024 are hourly budgets.
_RETRY_AFTER = {20016: 300.0, 10023: 3600.0, 10024: 3600.0, 10001: 30.0, 10002: 30.0, 10009: 60.0}
_REJECTED = {
    10017: "正文没有包含应用安全域名下的链接（10017）：请确认正文带有门户网站文章链接，且该域名已在微博开放平台登记",
    20005: "图片格式不受支持（20005）：只能是 JPEG、GIF 或 PNG",
    20006: "图片太大（20006）：须小于 5 MB",
    20012: "正文超出长度限制（20012）：最多 140 字（微博按链接本身的字数计算时，长链接占字更多）；"
    "请精简正文，若账号设置了 url_weight 请核实后再用",
    20018: "正文包含非法链接（20018）",
    20021: "正文包含违规内容（20021）",
}
_PERMANENT = {
    10014: "应用没有该接口的权限（10014）：请在微博开放平台申请“分享到微博”（statuses/share）权限",
    10016: "请求缺少必填参数（10016）",
    20101: "这条微博不存在或已被删除（20101）",
    20102: "只能删除本账号发布的微博（20102）",
}


def error_for(code: int, message: str, what: str) -> ChannelError:
    if code in _AUTH:
        return AuthExpired(f"{what}：{REAUTHORISE}（{code}）", code=code)
    if code in _RETRY_AFTER:
        wait = _RETRY_AFTER[code]
        return Transient(f"{what}：发布太频繁或超出频次限制（{code}），{int(wait // 60)} 分钟后重试", code=code, retry_after=wait)
    if code == 20019:
        return DuplicateContent(f"{what}：微博认为这是重复内容（20019），与账号已发布的一条完全相同", code=code)
    if code == 20017:
        return DuplicateContent(f"{what}：微博认为这与账号近期的一条内容相似（20017）", code=code)
    if code in _REJECTED:
        return Rejected(f"{what}：{_REJECTED[code]}", code=code)
    if code in _PERMANENT:
        return Permanent(f"{what}：{_PERMANENT[code]}", code=code)
    return Permanent(f"{what}：微博接口返回错误 {code}（{message[:120]}）", code=code)


class WeiboClient:
    def __init__(
        self,
        account_id: str,
        config: WeiboConfig,
        session: requests.Session | None = None,
        token: SecretStr | None = None,
    ) -> None:
        self.account_id = account_id
        self.config = config
        self.session = session or pooled_session()  # reused per worker thread
        self._token = token
        self._timeout = (config.connect_timeout_seconds, config.timeout_seconds)

    def _token_value(self) -> str:
        token = self._token or account_secret(self.account_id, "token")
        if token is None:
            env = secret_env_name(self.account_id, "token")
            raise AuthExpired(f"微博账号“{self.account_id}”未配置授权令牌：请设置环境变量 {env}")
        return token.get_secret_value()

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        safe_to_repeat: bool,
        fields: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        token = self._token_value()
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}
        payload = {"access_token": token, **(fields or {})}
        extra: dict[str, Any] = {"params": payload} if method == "GET" else {"data": payload, "files": files}
        response = send(
            self.session,
            method,
            self.config.base_url.rstrip("/") + path,
            what=what,
            safe_to_repeat=safe_to_repeat,
            timeout=self._timeout,
            headers=headers,
            **extra,
        )
        try:
            body = response.json()
        except ValueError:
            raise Transient(f"{what}：微博返回了无法解析的应答（HTTP {response.status_code}）", retry_after=30.0) from None
        if isinstance(body, dict) and body.get("error_code"):
            message = str(body.get("error", "")).replace(token, "***")
            raise error_for(int(body["error_code"]), message, what)
        if response.status_code >= 400:
            raise Permanent(f"{what}：微博拒绝了请求（HTTP {response.status_code}）")
        return body
