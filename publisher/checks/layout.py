"""Notice layout (公文格式) in the body: no second title, and notice blocks that exist.

- A body that starts with a heading repeating the title prints the title twice on every channel
  (the title comes from front matter): a warning, and `--fix` removes the heading.
- `::: 落款`, `::: 主送` … mark the parts of a notice (publisher.render.markdown); a fence with
  another name is not a block and would show as “:::” text: a warning naming the ones there are.
"""

from __future__ import annotations

import re
import unicodedata

from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem
from publisher.content.notice import NOTICE_BLOCKS

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}:{3,}[ \t]*(.*?)[ \t]*$")
_NUMERIC_DATE = re.compile(r"^\s*(\d{4})\s*[-/.．]\s*(\d{1,2})\s*[-/.．]\s*(\d{1,2})\s*$")
_CHINESE_NUMERAL_DATE = re.compile(r"^\s*[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日\s*$")
_DATED_BLOCKS = ("落款", "成文日期")


def _normal(text: str) -> str:
    """Title text without spaces, punctuation or Markdown emphasis, for comparison."""
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c)[0] in "PS")).casefold()


def _titles(item: ContentItem) -> set[str]:
    titles = {item.meta.title}
    for spec in (item.meta.targets or {}).values():
        if spec is not None and spec.title:
            titles.add(spec.title)
    return {_normal(t) for t in titles if _normal(t)}


def repeated_title_line(body: str, titles: set[str]) -> int | None:
    """0-based line of a heading at the top of the body that repeats a title, or None."""
    lines = body.split("\n")
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        match = _ATX.match(line)
        if match and _normal(match.group(2)) in titles:
            return number
        # Setext heading: the text, then a line of = or -.
        if number + 1 < len(lines) and re.fullmatch(r" {0,3}(=+|-+)[ \t]*", lines[number + 1]) and _normal(line) in titles:
            return number
        return None
    return None


def strip_repeated_title(body: str, titles: list[str]) -> str:
    """The body without a leading heading that repeats one of `titles` (and the blank lines
    after it); unchanged otherwise. Used by `--fix`."""
    wanted = {_normal(t) for t in titles if _normal(t)}
    number = repeated_title_line(body, wanted)
    if number is None:
        return body
    lines = body.split("\n")
    setext = number + 1 < len(lines) and not _ATX.match(lines[number]) and re.fullmatch(r" {0,3}(=+|-+)[ \t]*", lines[number + 1])
    end = number + (2 if setext else 1)
    while end < len(lines) and not lines[end].strip():
        end += 1
    return "\n".join(lines[:number] + lines[end:])


def _date_findings(item: ContentItem, line: str, number: int) -> list[Finding]:
    """成文日期 in Arabic numerals with 年月日 (GB/T 9704—2012): “2026年11月6日”."""
    numeric = _NUMERIC_DATE.match(line)
    if numeric:
        year, month, day = (int(part) for part in numeric.groups())
        fixed = f"{year}年{month}月{day}日"
        return [finding(item, "notice-date-format",
                        f"成文日期“{line.strip()}”应写成“{fixed}”（公文成文日期用阿拉伯数字加年月日，月、日不编虚位）",
                        number, 1, Severity.WARNING, fixed)]
    if _CHINESE_NUMERAL_DATE.match(line):
        return [finding(item, "notice-date-format",
                        f"成文日期“{line.strip()}”应使用阿拉伯数字，例如“2026年11月6日”（GB/T 9704—2012）",
                        number, 1, Severity.WARNING)]
    return []


_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def check_layout(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    findings: list[Finding] = []
    number = repeated_title_line(item.body, _titles(item))
    if number is not None:
        findings.append(finding(
            item, "body-title-repeated",
            "正文开头的标题与头信息 title 重复，页面上会出现两次标题：请删除正文第一行的标题（--fix 可自动删除）",
            item.body_line + number, 1, Severity.WARNING,
        ))
    in_code = False
    block: str | None = None
    for offset, line in enumerate(item.body.split("\n")):
        if _CODE_FENCE.match(line):
            in_code = not in_code
            continue
        match = _FENCE.match(line)
        if not in_code and block in _DATED_BLOCKS and not match:
            findings.extend(_date_findings(item, line, item.body_line + offset))
        if in_code or not match:
            continue
        block = match.group(1) or None if block is None else None
        if not match.group(1) or match.group(1) in NOTICE_BLOCKS:
            continue
        names = "、".join(dict.fromkeys(NOTICE_BLOCKS))
        findings.append(finding(
            item, "notice-unknown-block",
            f"版式标记“::: {match.group(1)}”无法识别，会原样显示为文字（可用：{names}）",
            item.body_line + offset, 1, Severity.WARNING,
        ))
    return findings
