"""Click's and Typer's own words in Chinese: "Usage:", "Options", "Show this message and exit.",
"Missing argument", "[default: …]" and the rest, so `--help` and usage errors read like the
commands' own help (the editors read Chinese).

Both libraries translate through `gettext` (`from gettext import gettext as _`), which would need
a compiled catalogue under a locale directory and a Chinese locale in the environment. Instead
each module's `_` / `ngettext` is pointed at this table (text not in it passes through
unchanged), and Typer's panel titles, computed once at import, are set again. `install()` runs
once, before the app is built.
"""

from __future__ import annotations

import importlib
import re

ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Error": "错误",
    "Error: {message}": "错误：{message}",
    "Aborted!": "已中止。",
    "Aborted.": "已中止。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个取值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个取值，给了 {len} 个。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "float": "数值",
    "Do you want to continue?": "是否继续？",
    "Repeat for confirmation": "请再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Confirm the action without prompting.": "不再询问，直接确认。",
    "Press any key to continue...": "按任意键继续……",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "deprecated": "已弃用",
    "(deprecated) ": "（已弃用）",
    "(dynamic)": "（动态）",
    "[default: {}]": "[默认：{}]",
    "[env var: {}]": "[环境变量：{}]",
    "[required]": "[必填]",
    "unknown error": "未知错误",
}

_MODULES = (
    "click.core", "click.exceptions", "click.decorators", "click.formatting", "click.parser",
    "click.types", "click.termui", "click.utils", "typer.core", "typer.main", "typer.rich_utils",
)  # fmt: skip
# Typer's rich help shows each option's type; Click names them in English.
_TYPE_NAMES = {"text": "文本", "integer": "整数", "float": "数值", "boolean": "是/否", "path": "路径",
               "filename": "文件名", "choice": "选项", "uuid": "UUID", "datetime": "时间"}  # fmt: skip


def gettext(message: str) -> str:
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    from click import types

    for value in vars(types).values():
        if isinstance(value, type) and issubclass(value, types.ParamType) and getattr(value, "name", None) in _TYPE_NAMES:
            value.name = _TYPE_NAMES[value.name]
    from typer import rich_utils

    for constant in ("DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING",
                     "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE",
                     "ERRORS_PANEL_TITLE", "ABORTED_TEXT", "RICH_HELP"):  # fmt: skip
        english = getattr(rich_utils, constant, None)
        if isinstance(english, str):
            setattr(rich_utils, constant, gettext(english))
    _install_vendored()
    _installed = True


# Typer ≥ 0.20 carries its own copy of Click (`typer._click`) with the English written in place
# (no gettext). Its help and errors pass through three narrow doors, translated here: the usage
# line, each exception's `format_message`, and the help option's text and type labels.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for p, r in (
        (r"^Usage: ", "用法："),
        (r"\[OPTIONS\]", "[选项]"),
        (r"COMMAND \[ARGS\]\.\.\.", "命令 [参数]..."),
        (r"^No such option: (.+)$", r"没有选项：\1"),
        (r"\(Possible options: (.+)\)", r"（可能的选项：\1）"),
        (r"^No such command '(.+)'\.$", r"没有命令 '\1'。"),
        (r"^Missing command\.$", "缺少命令。"),
        (r"^Missing argument '(.+?)'\.", r"缺少参数 '\1'。"),
        (r"^Missing option '(.+?)'\.", r"缺少选项 '\1'。"),
        (r"^Missing parameter: (.+)$", r"缺少参数：\1"),
        (r"^Missing (\w+)", r"缺少\1"),
        (r"^Invalid value for (.+?): ", r"\1 的取值无效："),
        (r"^Invalid value: ", "取值无效："),
        (r"Got unexpected extra argument\(s\) \((.+)\)", r"多余的参数（\1）"),
        (r"Got unexpected extra arguments? \((.+)\)", r"多余的参数（\1）"),
        (r"^Option '(.+?)' requires an argument\.$", r"选项 '\1' 需要一个取值。"),
        (r"^Option '(.+?)' requires (\d+) arguments\.$", r"选项 '\1' 需要 \2 个取值。"),
        (r"^Option '(.+?)' does not take a value\.$", r"选项 '\1' 不接受取值。"),
        (r"'(.+?)' is not a valid integer( range)?\.", r"'\1' 不是有效的整数。"),
        (r"'(.+?)' is not a valid float( range)?\.", r"'\1' 不是有效的数值。"),
        (r"'(.+?)' is not one of (.+)\.$", r"'\1' 不是可选值之一：\2。"),
        (r"(.+) is not in the range (.+)\.$", r"\1 不在范围 \2 内。"),
        (r"^(File|Directory|Path) '(.+?)' does not exist\.$", r"路径 '\2' 不存在。"),
        (r"^Could not open file '(.+?)': ", r"无法打开文件 '\1'："),
        (r"^Aborted!?$", "已中止。"),
        # Typer converts values with pydantic, whose messages are English too.
        (r"Input should be a valid integer.*$", "应为整数（不是有效的整数）"),
        (r"Input should be a valid number.*$", "应为数字（不是有效的数值）"),
        (r"Input should be a valid boolean.*$", "应为是或否（true / false）"),
        (r"Input should be greater than or equal to (\S+)$", r"应不小于 \1"),
        (r"Input should be less than or equal to (\S+)$", r"应不大于 \1"),
    )
]  # fmt: skip
_TYPE_LABELS = {"str": "文本", "text": "文本", "int": "整数", "integer": "整数", "float": "数值", "bool": "是/否",
                "path": "路径", "file": "文件", "directory": "文件夹", "datetime": "时间", "uuid": "UUID"}  # fmt: skip


def translate(text: str) -> str:
    """Click/Typer's English sentences (and the usage line) in Chinese; other text unchanged."""
    if not isinstance(text, str):
        return text
    lines = []
    for line in text.split("\n"):
        for pattern, replacement in _PATTERNS:
            line = pattern.sub(replacement, line)
        lines.append(ZH.get(line, line))
    return "\n".join(lines)


def _install_vendored() -> None:
    try:
        from typer import _click
        from typer import core as typer_core
        from typer._click import core as click_core
        from typer._click import exceptions
    except ImportError:  # an older Typer on the real Click: gettext above covers it
        return
    original_usage = click_core.Command.get_usage
    click_core.Command.get_usage = lambda self, ctx: translate(original_usage(self, ctx))
    original_help_option = click_core.Command.get_help_option

    def get_help_option(self, ctx):
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = ZH["Show this message and exit."]
        return option

    click_core.Command.get_help_option = get_help_option
    for cls in vars(exceptions).values():
        if isinstance(cls, type) and issubclass(cls, Exception) and "format_message" in vars(cls):
            cls.format_message = _translated(cls.format_message)
    if hasattr(_click, "ClickException") and "format_message" not in vars(exceptions.ClickException):
        exceptions.ClickException.format_message = _translated(exceptions.ClickException.format_message)
    original_type = typer_core._TyperParameter.display_type

    def display_type(self, ctx):
        shown = original_type(self, ctx)
        if isinstance(shown, str) and shown.startswith("<") and shown.endswith(">"):
            inner = shown[1:-1]
            return "<" + _TYPE_LABELS.get(inner, inner) + ">"
        return shown

    typer_core._TyperParameter.display_type = display_type


def _translated(method):
    def format_message(self) -> str:
        return translate(method(self))

    format_message.__wrapped__ = method
    return format_message
