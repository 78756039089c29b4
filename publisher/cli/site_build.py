"""The light entry of `publisher site build`: the same build and the same words as the Typer
command (publisher/cli/site.py), without importing Typer, Rich or any other command.

It takes the plain invocations only: `--out/-o`, `--content`, `--workers/-j`, `--now`,
`--preview`, `--no-deploy`, in any order, `--opt value` or `--opt=value`. Anything else — help,
an unknown option, a value the command would refuse, `--deploy`, a workspace that does not open
(no publisher.toml, a broken one, a content remote to clone) — returns None before anything is
built, and the full app handles it exactly as before.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_VALUED = {"--out": "out", "-o": "out", "--content": "content", "--workers": "workers", "-j": "workers",
           "--now": "now"}
_FLAGS = {"--preview": ("preview", True), "--no-deploy": ("deploy", False), "--deploy": ("deploy", True)}


@dataclass
class BuildOptions:
    out: Path | None = None
    content: Path | None = None
    workers: int | None = None
    deploy: bool = False
    now: str | None = None
    preview: bool = False


def parse(args: list[str]) -> BuildOptions | None:
    """The options, or None for anything the light entry leaves to the full app."""
    values: dict[str, Any] = {}
    position = 0
    while position < len(args):
        arg = args[position]
        position += 1
        if arg in _FLAGS:
            name, value = _FLAGS[arg]
            values[name] = value
            continue
        name_part, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name_part not in _VALUED:
            if arg[:2] in ("-o", "-j") and len(arg) > 2:  # -ofolder, -j2
                name_part, inline, eq = arg[:2], arg[2:], "="
            else:
                return None
        if not eq:
            if position >= len(args):
                return None
            inline = args[position]
            position += 1
        values[_VALUED[name_part]] = inline
    options = BuildOptions()
    for name, value in values.items():
        if name in ("out", "content"):
            if not value:
                return None
            value = Path(value)
        elif name == "workers":
            if not value.isdigit() or int(value) < 1:
                return None
            value = int(value)
        setattr(options, name, value)
    return options


def report_lines(built: Any, preview: bool, seconds: float) -> tuple[list[str], list[str]]:
    """(warnings for stderr, lines for stdout) after a build, as both entries print them."""
    report, target = built.report, built.folder
    warnings = list(report.problems)
    if built.blocked:
        warnings.append(f"{built.blocked} 个条目未通过检查，预览中没有它们的页面（详见 publisher check）")
    label = "本地预览已生成（不会部署）" if preview else "网站已按发布台账生成"
    lines = [f"{label}：{target}（{report.pages} 个页面；写入 {len(report.written)} 个文件，"
             f"未变 {len(report.unchanged)} 个，删除 {len(report.removed)} 个；用时 {seconds:.2f} 秒）"]
    if not preview and not built.live:
        lines.append("发布台账中还没有已在网站发布的稿件（先运行 publisher run 发布到期稿件）")
    return warnings, lines


def _find_content_root(start: Path) -> Path | None:
    start = start.resolve()
    for folder in [start if start.is_dir() else start.parent, *start.parents]:
        if (folder / "publisher.toml").is_file():
            return folder
    return None


def light_entry(argv: list[str]) -> int | None:
    """Run `site build` when `argv` is a plain invocation of it; None: not handled."""
    if argv[:2] != ["site", "build"]:
        return None
    options = parse(argv[2:])
    if options is None or options.deploy:
        return None
    from publisher.runtime.logs import LogLevelError, configure_command_logging

    try:
        level = configure_command_logging()
    except LogLevelError:
        return None
    logging.getLogger("publisher.cli").debug("publisher 命令开始，日志级别 %s", level)
    from publisher.content.matrix import MatrixError, load_matrix
    from publisher.settings import Settings

    settings = Settings()
    if settings.content_remote and options.content is None:
        return None
    root = _find_content_root(options.content or settings.content_dir)
    if root is None:
        return None
    try:
        matrix = load_matrix(root)
    except MatrixError:
        return None
    moment = None
    if options.now:
        from publisher.content.timeparse import parse_local_datetime

        try:
            moment = parse_local_datetime(options.now, matrix.tz)
        except ValueError:
            return None
    from publisher.publish.website import NoWebsite
    from publisher.render.renditions import RenderingError

    started = time.perf_counter()
    if options.preview:
        from publisher.cli.site_preview import build_checked_preview as make
    else:
        from publisher.publish.website import build_website as make
    try:
        built = make(root, matrix, settings, out=options.out, now=moment, workers=options.workers)
    except (NoWebsite, RenderingError) as exc:
        _say(sys.stderr, "错误：", str(exc), "31")
        return 2
    warnings, lines = report_lines(built, options.preview, time.perf_counter() - started)
    for warning in warnings:
        _say(sys.stderr, "警告：", warning, "33")
    for line in lines:
        print(line)
    return 0


def _say(stream, head: str, text: str, colour: str) -> None:
    if stream.isatty() and not os.environ.get("NO_COLOR"):
        head = f"\x1b[{colour}m{head}\x1b[0m"
    print(head + text, file=stream)
