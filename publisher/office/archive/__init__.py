"""The archive of what was published (资料归档): for a quarter, a year or any span of days, every
published version with what each channel received, its sign-offs and audit trail, a SHA-256
manifest and an index page readable offline. See docs/reports.md (六、资料归档) for the operators' side."""

from publisher.office.archive.build import ArchiveError, ArchiveResult, build_archive
from publisher.office.archive.manifest import Verification, verify_folder
from publisher.office.archive.period import Period, PeriodError, choose_period
from publisher.office.archive.secrets_guard import SecretInArchive

__all__ = [
    "ArchiveError", "ArchiveResult", "Period", "PeriodError", "SecretInArchive", "Verification",
    "build_archive", "choose_period", "verify_folder",
]
