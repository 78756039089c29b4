"""`Ledger`, the source of truth, and `open_ledger`, the one way to get one."""

from __future__ import annotations

from publisher.ledger import migrate
from publisher.ledger.claims import ClaimsMixin
from publisher.ledger.controls import ControlsMixin
from publisher.ledger.editorial import EditorialMixin
from publisher.ledger.engine import make_engine, normalise_url
from publisher.ledger.execution import ExecutionMixin
from publisher.ledger.identity import IdentityMixin
from publisher.ledger.notifications import NotificationsMixin
from publisher.ledger.planning import PlanningMixin
from publisher.ledger.reach_records import ReachMixin
from publisher.ledger.submissions import SubmissionsMixin
from publisher.ledger.sync_health import SyncHealthMixin


class Ledger(
    PlanningMixin, ClaimsMixin, ExecutionMixin, EditorialMixin, ControlsMixin, ReachMixin,
    NotificationsMixin, SubmissionsMixin, SyncHealthMixin, IdentityMixin,
):  # fmt: skip
    """Publications, their state machine and audit trail, account pauses, freezes.

    Thread-safe: every method opens its own connection from the engine's pool and commits before
    returning. Share one `Ledger` per process; after `fork`, open a new one in the child.
    See docs/ledger.md for the states and the rules behind them.
    """

    def __init__(self, engine, url: str):
        super().__init__(engine)
        self.url = url

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)!r})"


def open_ledger(url: str | None = None, *, upgrade: bool = True) -> Ledger:
    """Open the ledger at `url` (default: `Settings().resolved_database_url`).

    Runs the migrations to head first (safe from many processes at once), so a caller always
    sees the current schema. SQLite files are created owner-only, in an owner-only folder.
    """
    if url is None:
        from publisher.settings import Settings

        url = Settings().resolved_database_url
    url = normalise_url(url)
    engine = make_engine(url)
    try:
        if upgrade and not migrate.is_current(engine):
            migrate.upgrade(engine)
    except Exception:
        engine.dispose()
        raise
    return Ledger(engine, url)
