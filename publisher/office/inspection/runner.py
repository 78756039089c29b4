"""One inspection run: accounts from the ledger, the website from its built folder.

    result = run_inspection(ledger, matrix, site_dir, now)
    print(render_text(result)); sys.exit(result.exit_code())

The periodic task saves the newest result as JSON in the state folder (`save_result`), where
the dashboard and anyone else can read it without inspecting again.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger
from publisher.office.inspection.accounts import check_accounts
from publisher.office.inspection.findings import InspectionResult
from publisher.office.inspection.links import check_links
from publisher.office.inspection.site_pages import check_columns, check_home

RESULT_FILE = "inspection/latest.json"


def run_inspection(
    ledger: Ledger | None,
    matrix: Matrix,
    site_dir: Path | None,
    now: datetime,
    *,
    accounts: bool = True,
    site: bool = True,
) -> InspectionResult:
    """Inspect the accounts (needs the ledger) and the built site (needs its folder)."""
    result = InspectionResult(checked_at=now)
    if accounts and ledger is not None:
        findings, result.accounts_checked = check_accounts(ledger, matrix, now)
        result.findings += findings
    if site and site_dir is not None:
        result.site_checked = True
        result.findings += check_home(site_dir, matrix, now)
        if site_dir.is_dir():
            findings, result.columns_checked = check_columns(site_dir, matrix, now)
            result.findings += findings
            links = check_links(site_dir, matrix)
            result.findings += links.findings
            result.pages_checked, result.links_checked = links.pages, links.links
    # Vetoes first, then errors, then warnings; stable within each group.
    result.findings.sort(key=lambda f: (not f.veto, f.severity != "error"))
    return result


def render_text(result: InspectionResult, tz=None) -> str:
    when = result.checked_at.astimezone(tz) if tz else result.checked_at
    lines = [f"监测时间：{when:%Y-%m-%d %H:%M}", result.summary()]
    for finding in result.findings:
        lines.append(str(finding))
    return "\n".join(lines)


def save_result(result: InspectionResult, state_dir: Path) -> Path:
    """Write the result atomically to `<state>/inspection/latest.json`."""
    target = state_dir / RESULT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".latest-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(result.to_dict(), handle, ensure_ascii=False, indent=2)
    os.replace(temp, target)
    return target
