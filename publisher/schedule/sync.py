"""Sync: read the content repo (committed state by default) and bring the ledger in line.

Broken items are reported with their file and line and left out; what was planned from them
before stays as it was (an item that cannot be read is not an item that was deleted). A commit
whose configuration is broken (publisher.toml, an account on a channel that is not installed)
or a repo git will not open is refused as a whole: nothing is planned from it, the ledger keeps
what the last good commit planned, and publishing goes on from those frozen versions. Every
sync writes what it found to the ledger (`Ledger.sync_health`) for `status` and the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from publisher.content.findings import Finding
from publisher.content.history import attach_trails
from publisher.content.in_force import keep_in_force
from publisher.content.links import items_touched, link_findings
from publisher.content.loader import load_items
from publisher.content.matrix import Matrix, MatrixError, load_matrix
from publisher.content.source import SourceError, take_snapshot
from publisher.content.versions import snapshot_cache
from publisher.ledger import Ledger, Problem, SyncHealth
from publisher.runtime.matrix_check import account_problems
from publisher.schedule.ledger_guard import expected_holds, identify, write_mark
from publisher.schedule.planner import Plan, plan
from publisher.settings import Settings


@dataclass
class SyncReport:
    plan: Plan
    commit: str | None
    matrix: Matrix
    findings: list[Finding] = field(default_factory=list)  # items that could not be loaded
    unpushed: int = 0  # local commits the upstream lacks: not read (see source.unpushed_notice)


class ConfigRefused(MatrixError):
    """The commit's configuration cannot be used; `health` says what is used instead."""

    def __init__(self, findings: list[Finding], health: SyncHealth):
        super().__init__(findings)
        self.health = health

    def __str__(self) -> str:
        return self.health.refusal_text()


class SourceRefused(SourceError):
    """The content repo cannot be read at all; `health` says what is used instead."""

    def __init__(self, message: str, health: SyncHealth):
        super().__init__(message)
        self.health = health

    def __str__(self) -> str:
        return self.health.refusal_text()


def _problem(finding: Finding, roots: tuple[Path, ...]) -> Problem:
    return Problem(_in_repo(finding.path, roots), finding.line, finding.code, finding.message)


def _in_repo(path: str, roots: tuple[Path, ...]) -> str:
    """A path as it is in the content repo: never the snapshot folder it was read from."""
    candidate = Path(path)
    for root in roots:
        if candidate.is_absolute() and candidate.is_relative_to(root):
            return candidate.relative_to(root).as_posix()
    return path


def _health(ledger: Ledger, now: datetime, commit: str | None, apply: bool, **found) -> SyncHealth:
    """This sync's record, carrying the last good commit on; written to the ledger with `apply`."""
    previous = ledger.sync_health()
    health = SyncHealth(checked_at=now, commit=commit, **found)
    if health.ok:
        health.last_good_commit, health.last_good_at = commit, now
    elif previous is not None:  # refused: what the last good sync found still stands
        health.last_good_commit, health.last_good_at = previous.last_good_commit, previous.last_good_at
        health.load_errors = previous.load_errors
    if apply:
        ledger.record_sync_health(health)
    return health


def sync(
    root: Path,
    ledger: Ledger,
    settings: Settings,
    now: datetime | None = None,
    *,
    apply: bool = True,
) -> SyncReport:
    """Plan (and with `apply`, write) the publications the content repo asks for.

    Raises ConfigRefused (a MatrixError) or SourceRefused (a SourceError) when nothing of this
    commit can be used; the ledger keeps what was planned before."""
    now = now or datetime.now(UTC)
    try:
        snapshot = take_snapshot(
            root, snapshot_cache(settings), use_git=settings.use_git, branch=settings.branch,
            remote=settings.content_remote,
        )  # fmt: skip
    except SourceError as exc:
        problem = Problem(root.as_posix(), None, "source-refused", str(exc))
        raise SourceRefused(str(exc), _health(ledger, now, None, apply, refused=[problem])) from None
    roots = (snapshot.root.absolute(), snapshot.root.resolve(), root.absolute(), root.resolve())
    try:
        matrix = load_matrix(snapshot.root)
        config_errors = account_problems(snapshot.root, matrix)
    except MatrixError as exc:
        config_errors = exc.findings
    if config_errors:
        refused = [_problem(f, roots) for f in config_errors]
        health = _health(ledger, now, snapshot.commit, apply, refused=refused)
        raise ConfigRefused([_relocated(f, roots) for f in config_errors], health)

    loaded = load_items(snapshot.root, matrix)
    links = [*snapshot.findings, *link_findings(snapshot.root)]
    try:  # sign-offs are judged against the committed history of the same commit (one git log pass)
        attach_trails(loaded.items, root, matrix.review, commit=snapshot.commit, config_root=snapshot.root)
    except SourceError as exc:  # git history unreadable: planning without sign-offs would block all
        problem = Problem(root.as_posix(), None, "source-refused", str(exc))
        raise SourceRefused(str(exc), _health(ledger, now, snapshot.commit, apply, refused=[problem])) from None
    kept = loaded.unloaded | items_touched(links)  # unreadable now: keep what was planned from them
    # Before anything is written: the right ledger, and what it must hold back (LedgerMismatch).
    holds = identify(ledger, root, matrix, settings, now) if apply else expected_holds(ledger, root, matrix, settings, now)
    result = plan(ledger, loaded.items, matrix, settings, now, commit=snapshot.commit, apply=apply, kept=kept,
                  holds=holds)
    if apply:
        keep_in_force(snapshot.root, settings.state_dir)
        write_mark(ledger, settings)
    errors = [*links, *(f for f in loaded.findings if f.is_error)]
    _health(ledger, now, snapshot.commit, apply, load_errors=[_problem(f, roots) for f in errors])
    return SyncReport(result, snapshot.commit, matrix, errors, snapshot.unpushed)


def _relocated(finding: Finding, roots: tuple[Path, ...]) -> Finding:
    return replace(finding, path=_in_repo(finding.path, roots))

