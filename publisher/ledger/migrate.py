"""Alembic, driven from code: the migrations ship inside the package, so an installed
`publisher` can upgrade its ledger without an alembic.ini or a source checkout.

    python -m publisher.ledger.migrate upgrade [REVISION] [--url URL]
    python -m publisher.ledger.migrate downgrade REVISION [--url URL]
    python -m publisher.ledger.migrate current [--url URL]
    python -m publisher.ledger.migrate revision -m "message" [--url URL]   (developers: autogenerate)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from publisher.ledger.engine import SQLITE_BEGIN_OPTION

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = str(Path(__file__).with_name("migrations"))
# The newest revision in migrations/versions (a test checks they agree). Knowing it without
# loading Alembic lets `open_ledger` skip Alembic entirely when the database is current, which
# keeps every CLI call and worker start fast.
HEAD = "0005_ledger_identity"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """A Config pointing at the packaged migrations; `connection` is reused when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _run(engine: Engine, action, *args, **kwargs) -> None:
    # BEGIN IMMEDIATE on SQLite serialises processes that open a fresh ledger at the same time;
    # on PostgreSQL env.py takes an advisory lock for the same reason.
    options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        action(alembic_config(connection), *args, **kwargs)


def is_current(engine: Engine) -> bool:
    """True when the database is at HEAD (one cheap SELECT, no Alembic import)."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no alembic_version table yet
        return False
    return [v for (v,) in versions] == [HEAD]


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    _run(engine, command.downgrade, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def main(argv: list[str] | None = None) -> int:
    from publisher.ledger.engine import make_engine, normalise_url
    from publisher.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m publisher.ledger.migrate")
    parser.add_argument("action", choices=["upgrade", "downgrade", "current", "revision"])
    parser.add_argument("revision", nargs="?", default=None)
    parser.add_argument("--url", default=None, help="default: PUBLISHER_DATABASE_URL / state dir")
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args(argv)
    url = normalise_url(args.url or Settings().resolved_database_url)
    engine = make_engine(url)
    try:
        if args.action == "upgrade":
            upgrade(engine, args.revision or "head")
        elif args.action == "downgrade":
            if not args.revision:
                parser.error("downgrade needs a revision (e.g. base or -1)")
            downgrade(engine, args.revision)
        elif args.action == "revision":
            from alembic import command

            command.revision(alembic_config(url=url), message=args.message, autogenerate=True)
        print(current_revision(engine) or "base")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
