"""The matrix's accounts as an editor checks them: configured, credentials present, and — on
request — accepted by the channel (`Channel.verify`: one harmless call). Secrets are reported as
present or missing, never shown."""

from __future__ import annotations

from dataclasses import dataclass

from channels.errors import ChannelError
from publisher.content.matrix import Account, Matrix
from publisher.render.renditions import RenderingError, channel_for, sandboxed
from publisher.settings import Settings, account_secret, secret_env_name


@dataclass
class AccountReport:
    account: Account
    credentials: str  # "已配置" / "未配置：<env>" / "不需要"
    endpoint: str
    ok: bool | None = None  # None: not checked
    detail: str = ""


def describe(account: Account, matrix: Matrix, sandbox_url: str | None = None) -> AccountReport:
    try:
        channel = channel_for(sandboxed(account, sandbox_url), matrix)
    except RenderingError as exc:
        return AccountReport(account, "—", "—", ok=False, detail=str(exc))
    missing = [secret_env_name(account.id, name) for name in channel.secrets
               if account_secret(account.id, name) is None]
    if not channel.secrets:
        credentials = "不需要"
    else:
        credentials = f"未配置：{'、'.join(missing)}" if missing else "已配置"
    return AccountReport(account, credentials, channel.endpoint())


def verify(report: AccountReport, matrix: Matrix, settings: Settings, sandbox_url: str | None = None) -> AccountReport:
    """Ask the channel whether the credentials work (one harmless call each)."""
    from publisher.runtime.redis_state import MemoryState

    if report.ok is False:  # the channel could not even be set up
        return report
    try:
        channel = channel_for(sandboxed(report.account, sandbox_url), matrix)
        report.detail = channel.verify(MemoryState())
        report.ok = True
    except ChannelError as exc:
        report.ok, report.detail = False, exc.message
    except (OSError, ValueError, RenderingError) as exc:
        report.ok, report.detail = False, f"无法核验：{exc}"
    return report
