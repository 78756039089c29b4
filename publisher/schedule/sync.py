"""Sync: read the content repo (committed state by default) and bring the ledger in line.

Broken items are reported with their file and line and left out; the others are planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from publisher.content.findings import Finding
from publisher.content.history import attach_trails
from publisher.content.loader import load_items
from publisher.content.matrix import Matrix, load_matrix
from publisher.content.source import take_snapshot
from publisher.content.versions import snapshot_cache
from publisher.ledger import Ledger
from publisher.schedule.planner import Plan, plan
from publisher.settings import Settings


@dataclass
class SyncReport:
    plan: Plan
    commit: str | None
    matrix: Matrix
    findings: list[Finding] = field(default_factory=list)  # items that could not be loaded
    unpushed: int = 0  # local commits the upstream lacks: not read (see source.unpushed_notice)


def sync(
    root: Path,
    ledger: Ledger,
    settings: Settings,
    now: datetime | None = None,
    *,
    apply: bool = True,
) -> SyncReport:
    """Plan (and with `apply`, write) the publications the content repo asks for."""
    now = now or datetime.now(UTC)
    snapshot = take_snapshot(root, snapshot_cache(settings), use_git=settings.use_git, branch=settings.branch)
    matrix = load_matrix(snapshot.root)  # MatrixError goes up: nothing can be planned without it
    loaded = load_items(snapshot.root, matrix)
    # Sign-offs are judged against the committed history of the same commit (one git log pass).
    attach_trails(loaded.items, root, matrix.review, commit=snapshot.commit, config_root=snapshot.root)
    result = plan(ledger, loaded.items, matrix, settings, now, commit=snapshot.commit, apply=apply)
    return SyncReport(
        result, snapshot.commit, matrix, [f for f in loaded.findings if f.is_error], snapshot.unpushed
    )
