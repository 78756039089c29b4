"""The two group robots: 企业微信 (webhook key) and 钉钉 (access token, 加签 signature).

Both take one JSON POST and answer `{"errcode": 0, "errmsg": "ok"}`. Their keys are secrets: they
go in the query string only, never in a log line or an error message (requests' exceptions
carry the URL, so they are turned into sentences here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

import requests

from publisher.content.notifications import NotifyTarget
from publisher.office.notify.errors import ConfigProblem, RateLimited, SendError
from publisher.office.notify.message import Message
from publisher.settings import account_secret, secret_env_name

TIMEOUT = (5.0, 15.0)
# Answers that mean "slow down" (企业微信 45009; 钉钉 130101 "send too fast", 660026 in some
# versions) and answers that mean "set up wrong" (企业微信 93000 invalid key; 钉钉 300001 token
# missing, 310000 signature / keyword / IP rule). 钉钉's codes are only partly documented.
WECOM_RATE = {45009}
WECOM_CONFIG = {93000, 40008, 40058}
DINGTALK_RATE = {130101, 660026}
DINGTALK_CONFIG = {300001, 310000, 400101}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def _need(target: NotifyTarget, name: str) -> str:
    value = account_secret(target.id, name)
    if value is None:
        raise ConfigProblem(
            f"通知对象 {target.id} 缺少密钥：请设置环境变量 {secret_env_name(target.id, name)}"
        )
    return value.get_secret_value()


def _post(url: str, body: dict[str, Any], who: str) -> dict[str, Any]:
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT)
    except requests.Timeout:
        raise SendError(f"{who}接口超时") from None
    except requests.RequestException as exc:
        raise SendError(f"无法连接{who}接口（{type(exc).__name__}）") from None
    if response.status_code == 429:
        raise RateLimited(f"{who}限流（HTTP 429）", _retry_after(response))
    if response.status_code >= 400:
        raise SendError(f"{who}接口返回 HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise SendError(f"{who}接口返回的不是 JSON") from None


def _retry_after(response: requests.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "60")))
    except ValueError:
        return 60.0


def _answer(data: dict[str, Any], who: str, rate: set[int], config: set[int]) -> None:
    code = int(data.get("errcode", -1))
    if code == 0:
        return
    text = f"{who}返回错误 {code}：{data.get('errmsg', '')}"
    if code in rate:
        raise RateLimited(text, 60.0)
    if code in config:
        raise ConfigProblem(text)
    raise SendError(text)


class WeComRobot:
    """企业微信群机器人: POST {base}/cgi-bin/webhook/send?key=KEY."""

    who = "企业微信机器人"

    def __init__(self, target: NotifyTarget):
        self.target = target

    def send(self, message: Message) -> None:
        key = _need(self.target, "key")
        url = f"{self.target.api_base}/cgi-bin/webhook/send?key={urllib.parse.quote(key)}"
        if self.target.mentioned_mobiles:
            # Only text messages can @ people by mobile number.
            body = {"msgtype": "text", "text": {
                "content": message.to_text(), "mentioned_mobile_list": self.target.mentioned_mobiles}}  # fmt: skip
        else:
            body = {"msgtype": "markdown", "markdown": {"content": message.to_markdown()}}
        _answer(_post(url, body, self.who), self.who, WECOM_RATE, WECOM_CONFIG)


class DingTalkRobot:
    """钉钉自定义机器人: POST {base}/robot/send?access_token=T[&timestamp=..&sign=..]."""

    who = "钉钉机器人"

    def __init__(self, target: NotifyTarget, clock=time.time):
        self.target = target
        self.clock = clock

    def send(self, message: Message) -> None:
        token = _need(self.target, "token")
        query = f"access_token={urllib.parse.quote(token)}"
        secret = account_secret(self.target.id, "sign")
        if secret is not None:  # a robot may use keywords or an IP list instead of 加签
            stamp = int(self.clock() * 1000)
            query += f"&timestamp={stamp}&sign={dingtalk_sign(secret.get_secret_value(), stamp)}"
        text = message.to_markdown()
        mobiles = self.target.mentioned_mobiles
        if mobiles:
            text += "\n\n" + " ".join(f"@{m}" for m in mobiles)
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
        url = f"{self.target.api_base}/robot/send?{query}"
        _answer(_post(url, body, self.who), self.who, DINGTALK_RATE, DINGTALK_CONFIG)
