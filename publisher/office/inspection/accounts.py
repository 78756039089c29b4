"""New-media accounts: days since each one last published (the 僵尸号 rule).

The ledger knows when every post went out. A post that was retracted no longer shows on the
account, so only rows that are published now count. The website is not an account here: its
freshness is judged on the built pages (`publisher.office.inspection.site_pages`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from channels.registry import channel_class
from publisher.content.matrix import Matrix
from publisher.ledger import Ledger, State
from publisher.office.inspection.findings import ERROR, RULE_ACCOUNT, WARNING, InspectionFinding


def judged_as_account(channel: str) -> bool:
    """The website's freshness is judged on its built pages, not as an account's."""
    cls = channel_class(channel)
    return cls is None or not cls.capabilities.is_website


def last_published(ledger: Ledger) -> dict[str, datetime]:
    """Account id → when it last published (published rows only)."""
    latest: dict[str, datetime] = {}
    for pub in ledger.publications(state=[State.PUBLISHED, State.RETRACTING]):
        if pub.published_at and (pub.account_id not in latest or pub.published_at > latest[pub.account_id]):
            latest[pub.account_id] = pub.published_at
    return latest


def check_accounts(ledger: Ledger, matrix: Matrix, now: datetime) -> tuple[list[InspectionFinding], int]:
    """Findings for every new-media account of the matrix, and how many were checked."""
    rules = matrix.inspection
    latest = last_published(ledger)
    findings: list[InspectionFinding] = []
    accounts = [a for a in matrix.accounts if judged_as_account(a.channel)]
    for account in accounts:
        label = f"{account.name}（{account.id}）"
        when = latest.get(account.id)
        if when is None:
            findings.append(
                InspectionFinding(
                    "account-never", ERROR, account.id,
                    f"账号 {label} 在发布账本中没有任何已发布的信息，存在“僵尸号”风险",
                    RULE_ACCOUNT, veto=True,
                )
            )  # fmt: skip
            continue
        age = now - when
        days = age.days
        shown = when.astimezone(matrix.tz).strftime("%Y-%m-%d %H:%M")
        if age > timedelta(days=rules.stale_days):
            findings.append(
                InspectionFinding(
                    "account-stale", ERROR, account.id,
                    f"账号 {label} 已 {days} 天未更新（最近一次发布：{shown}），超过 {rules.stale_days} 天即为“僵尸号”",
                    RULE_ACCOUNT, veto=True, days=days,
                )
            )  # fmt: skip
        elif age > timedelta(days=rules.warn_days):
            left = rules.stale_days - days
            findings.append(
                InspectionFinding(
                    "account-quiet", WARNING, account.id,
                    f"账号 {label} 已 {days} 天未更新（最近一次发布：{shown}），"
                    f"请在 {left} 天内发布，否则将构成“僵尸号”",
                    RULE_ACCOUNT, days=days,
                )
            )  # fmt: skip
    return findings, len(accounts)
