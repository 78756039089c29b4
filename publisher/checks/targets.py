"""Where an item goes must exist: target accounts in the matrix, on the channel named by the
targets key, and the site column in publisher.toml `[[columns]]` (when columns are defined)."""

from __future__ import annotations

from pydantic import ValidationError

from channels.registry import channel_class
from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.content.findings import Finding
from publisher.content.model import ContentItem
from publisher.content.validation import describe_error


def check_targets(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    matrix = ctx.matrix
    findings: list[Finding] = []
    known = ", ".join(a.id for a in matrix.accounts) or "（尚未配置账号）"
    for channel, spec in (item.meta.targets or {}).items():
        if spec is not None and spec.model_extra:
            findings += _channel_options(item, channel, spec.model_extra)
        accounts = spec.accounts if spec is not None else None
        if not accounts:
            if not matrix.accounts_for(channel):
                channels = "、".join(sorted({a.channel for a in matrix.accounts})) or "（无）"
                findings.append(finding(
                    item, "unknown-channel",
                    f"发布渠道“{channel}”没有已配置的账号（publisher.toml 中的渠道：{channels}）",
                    item.line_of("targets", channel),
                ))
            continue
        for index, account_id in enumerate(accounts):
            account = matrix.account(account_id)
            line = item.line_of("targets", channel, "accounts", index)
            if account is None:
                findings.append(finding(
                    item, "unknown-account",
                    f"账号“{account_id}”未在 publisher.toml 中配置（已配置：{known}）", line,
                ))
            elif account.channel != channel:
                findings.append(finding(
                    item, "account-channel-mismatch",
                    f"账号“{account_id}”属于渠道“{account.channel}”，不能写在“{channel}”下", line,
                ))
    column = item.meta.column
    if column and matrix.columns and matrix.column(column) is None:
        names = "、".join(c.id for c in matrix.columns)
        findings.append(finding(
            item, "unknown-column", f"栏目“{column}”未在 publisher.toml 中定义（可用：{names}）",
            item.line_of("column"),
        ))
    return findings


COMMON_KEYS = "accounts、title、digest、author、text、content_source_url"


def _channel_options(item: ContentItem, channel: str, extra: dict) -> list[Finding]:
    """Keys under `targets.<channel>` that only that channel knows: it declares them."""
    cls = channel_class(channel)
    options = cls.target_options if cls is not None else None
    if options is None:
        return [finding(
            item, "unknown-target-key", f"“targets.{channel}”下没有“{key}”这一项（可用：{COMMON_KEYS}）",
            item.line_of("targets", channel, key),
        ) for key in extra]
    try:
        options.model_validate(extra)
    except ValidationError as exc:
        return [finding(
            item, "invalid-target-option", f"“targets.{channel}”的设置有误：{describe_error(error)[1]}",
            item.line_of("targets", channel, *[str(p) for p in error["loc"][:1]]),
        ) for error in exc.errors()]
    return []
