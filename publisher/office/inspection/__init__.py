"""Monitoring (监测) after the national rules for government websites and new media (2019):
僵尸号 accounts, stale home page and columns, empty columns, broken links and missing images.

    result = run_inspection(ledger, matrix, site_dir, now)
    result.exit_code()      # 1 on a veto-level problem (单项否决), for cron and CI
"""

from publisher.office.inspection.findings import InspectionFinding, InspectionResult
from publisher.office.inspection.runner import render_text, run_inspection, save_result

__all__ = ["InspectionFinding", "InspectionResult", "render_text", "run_inspection", "save_result"]
