"""The matrix's accounts as an editor checks them: configured, credentials present, and — on
request — accepted by the channel (WeChat: a stable token; Weibo: token introspection; site:
the output folder is writable). Secrets are reported as present or missing, never shown."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from channels.errors import ChannelError
from publisher.content.matrix import Account, Matrix
from publisher.settings import Settings, account_secret, secret_env_name


@dataclass
class AccountReport:
    account: Account
    credentials: str  # "已配置" / "未配置：<env>" / "不需要"
    endpoint: str
    ok: bool | None = None  # None: not checked
    detail: str = ""


def describe(account: Account, settings: Settings, sandbox_url: str | None = None) -> AccountReport:
    options = dict(account.options)
    if sandbox_url and account.channel in ("wechat", "weibo"):
        options["base_url"] = f"{sandbox_url.rstrip('/')}/{account.channel}"
    if account.channel == "wechat":
        present = account_secret(account.id) is not None
        need = secret_env_name(account.id)
        endpoint = options.get("base_url", "https://api.weixin.qq.com")
    elif account.channel == "weibo":
        present = account_secret(account.id, "token") is not None
        need = secret_env_name(account.id, "token")
        endpoint = options.get("base_url", "https://api.weibo.com")
    else:
        return AccountReport(account, "不需要", str(options.get("out_dir") or settings.site_dir))
    return AccountReport(account, "已配置" if present else f"未配置：{need}", endpoint)


def verify(report: AccountReport, matrix: Matrix, settings: Settings, sandbox_url: str | None = None) -> AccountReport:
    """Ask the channel whether the credentials work (one harmless call each)."""
    account = report.account
    options = dict(account.options)
    if sandbox_url and account.channel in ("wechat", "weibo"):
        options["base_url"] = f"{sandbox_url.rstrip('/')}/{account.channel}"
    try:
        if account.channel == "wechat":
            from channels.wechat.client import WeChatClient
            from channels.wechat.config import WeChatConfig
            from publisher.runtime.redis_state import MemoryState

            WeChatClient(account.id, WeChatConfig.model_validate(options), MemoryState()).access_token()
            report.ok, report.detail = True, "凭据有效（已取得接口调用凭据）"
        elif account.channel == "weibo":
            from channels.weibo.client import WeiboClient
            from channels.weibo.config import WeiboConfig

            config = WeiboConfig.model_validate(options)
            info = WeiboClient(account.id, config).call(
                "POST", config.token_info_path, what="核验授权", safe_to_repeat=True)
            days = int(info.get("expire_in", 0)) // 86400
            report.ok, report.detail = True, f"授权有效（微博用户 {info.get('uid')}，约 {days} 天后过期）"
        else:
            folder = Path(report.endpoint)
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder):
                pass
            report.ok, report.detail = os.access(folder, os.W_OK), "输出目录可写"
    except ChannelError as exc:
        report.ok, report.detail = False, exc.message
    except (OSError, ValueError) as exc:
        report.ok, report.detail = False, f"无法核验：{exc}"
    return report
