"""Periodic inspection, one step of the scheduling loop (publisher.schedule.loop), and the
intervals of the monitoring steps: reach every hour, inspection every six hours, from the
environment (`PUBLISHER_REACH_SECONDS`, `PUBLISHER_INSPECT_SECONDS`; 0 switches a step off).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from publisher.office.inspection.findings import InspectionResult
from publisher.office.inspection.runner import run_inspection, save_result

if TYPE_CHECKING:
    from publisher.runtime.context import Runtime

log = logging.getLogger(__name__)


class MonitoringSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PUBLISHER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    reach_seconds: float = Field(3600.0, ge=0, description="how often reach figures are pulled (0: never)")
    inspect_seconds: float = Field(21600.0, ge=0, description="how often accounts and site are inspected (0: never)")


def periodic_inspection(runtime: Runtime) -> InspectionResult:
    """Inspect with the content repo's matrix, save the result for the dashboard, log vetoes."""
    from publisher.content.in_force import matrix_in_force
    from publisher.render.renditions import website_dir

    settings = runtime.settings
    matrix = matrix_in_force(settings.state_dir, settings.content_dir)  # never a broken working tree
    site = website_dir(matrix, settings.site_dir)
    result = run_inspection(runtime.ledger, matrix, site if site.exists() else None, runtime.now())
    save_result(result, settings.state_dir)
    for finding in result.vetoes:
        log.error("监测发现单项否决问题：%s", finding.message)
    log.info("监测完成：%s", result.summary())
    return result
