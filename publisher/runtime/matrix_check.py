"""The matrix checked against what is installed on this machine: every account names a channel
that is installed, and its `[accounts.options]` are valid for that channel (a base URL is an
http(s) URL, no unknown keys, …). Each problem is a config error with `publisher.toml:line`.

`publisher.content.matrix` validates the file on its own (syntax, fields, duplicate ids); it
cannot know the channels, which are plugins (`channels.registry`), so this lives here, in the
wiring. `publisher accounts` (with or without --check) reports them and exits 2.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from publisher.content.findings import Finding, Severity
from publisher.content.matrix import CONFIG_NAME, Matrix, toml_line
from publisher.content.validation import describe_error


def account_problems(root: Path, matrix: Matrix) -> list[Finding]:
    """Config errors of the matrix's accounts against the installed channels."""
    return [finding for _account, finding in problems_by_account(root, matrix)]


def problems_by_account(root: Path, matrix: Matrix) -> list[tuple[str, Finding]]:
    """The same, each with the id of the account it concerns."""
    from channels.registry import available, missing

    path = root / CONFIG_NAME
    shown = path.as_posix()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""  # the matrix came from elsewhere (a snapshot): no lines, same problems
    installed = available()
    broken = set(missing())
    findings: list[tuple[str, Finding]] = []
    for index, account in enumerate(matrix.accounts):
        channel = installed.get(account.channel)
        if channel is None:
            names = "、".join(sorted(installed)) or "无"
            if account.channel in broken:
                why = f"渠道插件“{account.channel}”已安装但无法加载（日志中有原因），请修复或重新安装该插件"
            else:
                why = (f"没有安装名为“{account.channel}”的渠道（已安装：{names}）；"
                       "插件渠道需先安装其软件包，或改正 channel 的拼写")  # fmt: skip
            findings.append((account.id, Finding(
                "config-unknown-channel", f"账号“{account.id}”的渠道无法使用：{why}", shown,
                toml_line(text, ("accounts", index, "channel")) if text else None, None, Severity.ERROR,
            )))  # fmt: skip
            continue
        try:
            channel.config_class.model_validate(account.options)
        except ValidationError as exc:
            for error in exc.errors():
                loc = ("accounts", index, "options", *error["loc"])
                code, message = describe_error(error)
                findings.append((account.id, Finding(
                    f"config-account-{code}", f"账号“{account.id}”的渠道设置有误：{message}", shown,
                    toml_line(text, loc) if text else None, None, Severity.ERROR,
                )))  # fmt: skip
    return findings
