"""The website's freshness, judged on the built pages as a visitor sees them: the home page and
each column's first page (`/<column>/index.html`), newest `<time datetime>` first.

Time limits per column: `update_days` from publisher.toml when set; else news columns
`stale_days` (2 weeks), notice and policy columns `notice_days` (6 months), "other" columns
none. A column with no entries is empty (空白栏目), whatever its kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from publisher.content.matrix import Column, Matrix
from publisher.office.inspection.findings import (
    ERROR,
    RULE_COLUMNS,
    RULE_EMPTY,
    RULE_HOME,
    WARNING,
    InspectionFinding,
)
from publisher.office.inspection.page_parser import parse_page

HOME = "首页"


def column_limit_days(column: Column, matrix: Matrix) -> int | None:
    rules = matrix.inspection
    if column.update_days is not None:
        return column.update_days
    return {"news": rules.stale_days, "notice": rules.notice_days, "policy": rules.notice_days}.get(column.kind)


def _warn_days(limit: int, matrix: Matrix) -> float:
    # Warn as far ahead of each limit as warn_days is ahead of the two-week line (10 of 14).
    rules = matrix.inspection
    return limit * min(rules.warn_days, rules.stale_days) / rules.stale_days


def check_home(site_dir: Path, matrix: Matrix, now: datetime) -> list[InspectionFinding]:
    rules = matrix.inspection
    page = site_dir / "index.html"
    if not page.is_file():
        return [InspectionFinding("home-missing", ERROR, HOME, f"网站首页不存在：{page}（请先运行 publisher site build）",
                                  RULE_HOME, veto=True)]  # fmt: skip
    newest = parse_page(page).newest
    if newest is None:
        return [InspectionFinding("home-stale", ERROR, HOME, "网站首页没有任何带日期的信息", RULE_HOME, veto=True)]
    age = now - newest
    shown = newest.astimezone(matrix.tz).strftime("%Y-%m-%d %H:%M")
    if age > timedelta(days=rules.stale_days):
        return [InspectionFinding("home-stale", ERROR, HOME,
                                  f"网站首页已 {age.days} 天未更新（最新信息：{shown}），超过 {rules.stale_days} 天",
                                  RULE_HOME, veto=True, days=age.days)]  # fmt: skip
    if age > timedelta(days=rules.warn_days):
        return [InspectionFinding("home-quiet", WARNING, HOME,
                                  f"网站首页已 {age.days} 天未更新（最新信息：{shown}），"
                                  f"请在 {rules.stale_days - age.days} 天内更新",
                                  RULE_HOME, days=age.days)]  # fmt: skip
    return []


def check_columns(site_dir: Path, matrix: Matrix, now: datetime) -> tuple[list[InspectionFinding], int]:
    """Stale and empty columns, plus the veto when either reaches `veto_columns`."""
    rules = matrix.inspection
    findings: list[InspectionFinding] = []
    stale = empty = 0
    for column in matrix.columns:
        label = f"栏目“{column.name}”（{column.id}）"
        page = site_dir / column.id / "index.html"
        parsed = parse_page(page) if page.is_file() else None
        if parsed is None or (parsed.entries == 0 and not parsed.times):
            empty += 1
            why = "栏目页面不存在" if parsed is None else "栏目没有任何信息"
            findings.append(InspectionFinding("column-empty", WARNING, column.id, f"{label}为空白栏目：{why}", RULE_EMPTY))
            continue
        limit = column_limit_days(column, matrix)
        newest = parsed.newest
        if limit is None or newest is None:
            continue
        age = now - newest
        shown = newest.astimezone(matrix.tz).strftime("%Y-%m-%d")
        if age > timedelta(days=limit):
            stale += 1
            findings.append(
                InspectionFinding("column-stale", ERROR, column.id,
                                  f"{label}已 {age.days} 天未更新（最新信息：{shown}），超过更新时限 {limit} 天",
                                  RULE_COLUMNS, days=age.days)
            )  # fmt: skip
        elif age > timedelta(days=_warn_days(limit, matrix)):
            findings.append(
                InspectionFinding("column-quiet", WARNING, column.id,
                                  f"{label}已 {age.days} 天未更新（最新信息：{shown}），"
                                  f"更新时限 {limit} 天，请在 {limit - age.days} 天内更新",
                                  RULE_COLUMNS, days=age.days)
            )  # fmt: skip
    if stale >= rules.veto_columns:
        findings.append(InspectionFinding("columns-stale-veto", ERROR, "网站",
                                          f"共有 {stale} 个栏目未按时更新（达到 {rules.veto_columns} 个即单项否决）",
                                          RULE_COLUMNS, veto=True))  # fmt: skip
    if empty >= rules.veto_columns:
        findings.append(InspectionFinding("columns-empty-veto", ERROR, "网站",
                                          f"共有 {empty} 个空白栏目（达到 {rules.veto_columns} 个即单项否决）",
                                          RULE_EMPTY, veto=True))  # fmt: skip
    return findings, len(matrix.columns)
