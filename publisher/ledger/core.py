"""The ledger's heart: transactions, the one guarded state move, the audit trail, reads.

Every state change is a single conditional UPDATE (`… WHERE id = :id AND state = :from
RETURNING …`) plus its audit row, in one transaction. If someone else moved the row first the
UPDATE matches nothing and the caller gets None: a second delivery of the same task, a dispatcher
racing a cancel, a stale worker waking up — all harmless by construction.
"""

from __future__ import annotations

import getpass
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ClauseElement

from publisher.ledger.columns import utcnow
from publisher.ledger.engine import SQLITE_BEGIN_OPTION
from publisher.ledger.records import AuditEntry, Publication
from publisher.ledger.schema import audit_log, publications
from publisher.ledger.scrub import scrub_data, scrub_text
from publisher.ledger.states import State, check_transition


def os_user() -> str:
    """Editors' commands are audited under their OS login (getpass.getuser())."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without passwd entries)
        return f"uid:{os.getuid()}"


def worker_id(prefix: str = "worker") -> str:
    """A readable, unique-enough id for a process: host, pid."""
    return f"{prefix}@{socket.gethostname()}:{os.getpid()}"


T = TypeVar("T")
AUDIT_INSERT = insert(audit_log)
_STATE_OF = select(publications.c.state).where(publications.c.id == bindparam("state_of_id"))
_GET = select(publications).where(publications.c.id == bindparam("get_id"))
# `_move`'s UPDATEs for the hot paths (start, finish), built once per shape: building the
# statement and its cache key cost ~0.7 ms CPU each time, running the cached one ~0.08 ms
# (issue 17, third pass: ~10 of 14 statements per publication were built afresh).
_MOVES: dict[tuple, Any] = {}


class _Write:
    """One thread's write waiting for (or being run by) the group commit."""

    __slots__ = ("fn", "event", "finished", "result", "error")

    def __init__(self, fn: Callable[[Connection], Any]):
        self.fn = fn
        self.event = threading.Event()
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None


class _GroupCommit:
    """The writes queued by this process's threads and whether one of them is committing."""

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.queue: list[_Write] = []
        self.leading = False
        self.pid = os.getpid()


class PublicationNotFound(LookupError):
    def __init__(self, publication_id: int):
        super().__init__(f"发布记录 {publication_id} 不存在")
        self.publication_id = publication_id


class LedgerCore:
    """Connection handling and the guarded move every public operation is built from."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect.name
        self._group = _GroupCommit()
        # Transactions committed by `_grouped` and the writes they carried (tests, the profile).
        self.group_commits = 0
        self.grouped_writes = 0

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: BEGIN IMMEDIATE on SQLite (no lock upgrades, no deadlocks)."""
        options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"}
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

    def _grouped(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn(conn)` in a write transaction and return once that transaction is committed:
        group commit (issue 17). Writes that other threads of this process queue while a commit
        is under way (on SQLite with `synchronous=FULL` a commit is a disk sync) are run together
        in the next transaction and share its one commit.

        Nothing about durability changes: the caller returns only after its write is committed,
        exactly as with `_write`. One write's error rolls back that write alone and is raised in
        its own thread; the others commit (the group is run again with a SAVEPOINT per write).
        A failed BEGIN or COMMIT fails every write of the group (none was committed). `fn` runs
        in whichever thread commits the group and may run twice (the first run rolled back): it
        may touch only `conn`.
        """
        group = self._group
        if group.pid != os.getpid():  # forked: the parent's queue and leader are not ours
            group = self._group = _GroupCommit()
        write = _Write(fn)
        with group.mutex:
            group.queue.append(write)
            lead = not group.leading
            group.leading = True
        if not lead:
            write.event.wait()
            lead = not write.finished  # woken without a result: this thread commits next
        if lead:
            with group.mutex:
                batch, group.queue = group.queue, []
            try:
                self._commit_group(batch)
            finally:
                with group.mutex:
                    following = group.queue[0] if group.queue else None
                    group.leading = following is not None
                if following is not None:
                    following.event.set()  # hand the lead on: its writes came during our commit
        if write.error is not None:
            raise write.error
        return write.result

    def _commit_group(self, batch: list[_Write]) -> None:
        try:
            try:
                # Optimistic: every write in one transaction, no savepoints (they cost two
                # statements a write). Writes fail rarely (a row gone, a bug); then nothing was
                # committed and the group runs again, each write under its own savepoint.
                self._run_group(batch, isolated=False)
            except Exception:
                if len(batch) == 1:
                    raise
                for write in batch:
                    write.result = write.error = None
                self._run_group(batch, isolated=True)
            self.group_commits += 1
            self.grouped_writes += len(batch)
        except BaseException as exc:  # nothing of this group was committed
            for write in batch:
                if write.error is None:
                    write.error, write.result = exc, None
            if not isinstance(exc, Exception):
                raise
        finally:
            for write in batch:
                write.finished = True
                write.event.set()

    def _run_group(self, batch: list[_Write], *, isolated: bool) -> None:
        with self._write() as conn:
            for write in batch:
                if not isolated:
                    write.result = write.fn(conn)
                    continue
                try:
                    with conn.begin_nested():
                        write.result = write.fn(conn)
                except Exception as exc:  # this write only; the others go on
                    write.error, write.result = exc, None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _upsert(self, table):
        """INSERT … ON CONFLICT for this backend (both dialects share the API)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # -- audit ----------------------------------------------------------------------------
    def _audit(
        self,
        conn: Connection,
        *,
        event: str,
        actor: str,
        at: datetime,
        publication_id: int | None = None,
        item_id: str | None = None,
        from_state: State | None = None,
        to_state: State | None = None,
        detail: dict[str, Any] | None = None,
        more: list[dict[str, Any]] | None = None,
    ) -> None:
        """One audit row, and `more` (complete audit rows, written after it) in the same
        statement."""
        row = {
            "at": at,
            "publication_id": publication_id,
            "item_id": item_id,
            "event": event,
            "from_state": from_state.value if from_state else None,
            "to_state": to_state.value if to_state else None,
            "actor": actor,
            "detail": scrub_data(detail or {}),
        }
        # built once: building `.values(...)` per row cost more than running it
        conn.execute(AUDIT_INSERT, [row, *more] if more else row)

    # -- the guarded move -----------------------------------------------------------------
    def _move(
        self,
        conn: Connection,
        publication_id: int,
        to: State,
        *,
        accept: Iterable[State],
        event: str,
        actor: str | None,
        now: datetime,
        values: dict[str, Any] | None = None,
        where: Iterable[Any] = (),
        detail: dict[str, Any] | None = None,
        stay: bool = False,
        likely: State | None = None,
        params: dict[str, Any] | None = None,
        audit_after: Callable[[Publication], list[dict[str, Any]]] | None = None,
        returning: tuple[Any, ...] = (),
    ) -> tuple[State | None, Publication | None]:
        """Move one row to `to` if it is in one of `accept` (and the table allows it).

        Returns (state seen, row after the move). The row is None when the state seen is not
        acceptable, an extra `where` condition failed, or another transaction moved the row
        first. With a single accepted state (the hot paths: start, finish) the UPDATE goes first
        and the state is read only when it matched nothing; with several, `likely` (the state
        the row is almost always in, e.g. publishing when a publish finishes) is tried the same
        way first, so the common case costs no read (issue 17: statements per publication).

        `params` (the hot paths): `where` holds only module-level clauses, built once with
        `bindparam`s that `params` fills (the statement cache is keyed by their identity), and every value is a plain value or a long-lived SQL
        expression; the UPDATE is then built once per shape and reused.

        `returning` (with `params`): long-lived labelled expressions the UPDATE also returns,
        named after a `Publication` field that only such reads fill (`version_hash`).

        `audit_after(moved)`: further audit rows of a move that happens, written after the move's
        own in the same INSERT (issue 17: the finish's phase rows, one statement fewer).
        """
        accept = frozenset(accept)
        if likely is not None and len(accept) > 1:
            assert likely in accept
            guess = self._move(conn, publication_id, to, accept={likely}, event=event, actor=actor,
                               now=now, values=values, where=where, detail=detail, stay=stay,
                               params=params, audit_after=audit_after)
            if guess[1] is not None:
                return guess
            seen = guess[0]
            if seen not in accept:
                return seen, None
            if seen is likely:  # the state fits but an extra condition (the fence) failed
                return seen, None
            return self._move(conn, publication_id, to, accept={seen}, event=event, actor=actor,
                              now=now, values=values, where=where, detail=detail, stay=stay,
                              params=params, audit_after=audit_after)
        if len(accept) == 1:
            (seen,) = accept
        else:
            seen = self._state_of(conn, publication_id)
            if seen not in accept:
                return seen, None
        if not (stay and seen is to):  # `stay`: an in-place edit (planner update), not a move
            check_transition(seen, to, publication_id)
        values = dict(values or {})
        for key in ("last_error_message", "url"):  # callers scrub; this is the second belt
            if isinstance(values.get(key), str):
                values[key] = scrub_text(values[key])
        if params is None:
            stmt = (
                update(publications)
                .where(publications.c.id == publication_id, publications.c.state == seen.value, *where)
                .values(state=to.value, updated_at=now, **values)
                .returning(*publications.c)
            )
            row = conn.execute(stmt).mappings().one_or_none()
        else:
            stmt = _move_statement(seen, to, values, tuple(where), returning)
            bound = {f"set_{k}": v for k, v in values.items() if not isinstance(v, ClauseElement)}
            row = conn.execute(
                stmt, {**params, **bound, "move_id": publication_id, "set_updated_at": now}
            ).mappings().one_or_none()
        if row is None:
            return self._state_of(conn, publication_id), None
        moved = Publication.from_row(row)
        self._audit(
            conn,
            event=event,
            actor=actor or moved.claimed_by or os_user(),
            at=now,
            publication_id=moved.id,
            item_id=moved.item_id,
            from_state=seen,
            to_state=to,
            detail=detail,
            more=audit_after(moved) if audit_after is not None else None,
        )
        return seen, moved

    @staticmethod
    def _state_of(conn: Connection, publication_id: int) -> State:
        current = conn.execute(_STATE_OF, {"state_of_id": publication_id}).scalar_one_or_none()
        if current is None:
            raise PublicationNotFound(publication_id)
        return State(current)

    # -- reads ----------------------------------------------------------------------------
    def get(self, publication_id: int) -> Publication | None:
        """The row as it is now, or None."""
        with self._read() as conn:
            row = conn.execute(_GET, {"get_id": publication_id}).mappings().one_or_none()
        return Publication.from_row(row) if row else None

    def publications(
        self,
        item_id: str | None = None,
        state: State | str | Iterable[State | str] | None = None,
        account_id: str | None = None,
        channel: str | None = None,
    ) -> list[Publication]:
        """Rows matching every filter given, oldest first."""
        stmt = select(publications).order_by(publications.c.id)
        if item_id is not None:
            stmt = stmt.where(publications.c.item_id == item_id)
        if account_id is not None:
            stmt = stmt.where(publications.c.account_id == account_id)
        if channel is not None:
            stmt = stmt.where(publications.c.channel == channel)
        if state is not None:
            states = [state] if isinstance(state, str) else list(state)
            stmt = stmt.where(publications.c.state.in_([State(s).value for s in states]))
        with self._read() as conn:
            return [Publication.from_row(r) for r in conn.execute(stmt).mappings()]

    def history(
        self, item_id: str | None = None, *, publication_id: int | None = None
    ) -> list[AuditEntry]:
        """Audit rows of an item (or of one publication), in the order they happened."""
        stmt = select(audit_log).order_by(audit_log.c.id)
        if item_id is not None:
            stmt = stmt.where(audit_log.c.item_id == item_id)
        if publication_id is not None:
            stmt = stmt.where(audit_log.c.publication_id == publication_id)
        with self._read() as conn:
            return [AuditEntry.from_row(r) for r in conn.execute(stmt).mappings()]

    @staticmethod
    def _now(now: datetime | None) -> datetime:
        return now if now is not None else utcnow()


def _move_statement(seen: State, to: State, values: dict[str, Any], where: tuple[Any, ...],
                    returning: tuple[Any, ...] = ()):
    """The UPDATE of `_move(params=…)` for this shape, built on first use. Plain values become
    bind parameters `set_<column>` (typed by their column, so JSON and datetimes convert as
    before); SQL expressions and `where` clauses are long-lived objects, keyed by identity."""
    shape = tuple(
        (key, id(value) if isinstance(value, ClauseElement) else None) for key, value in values.items()
    )
    key = (seen, to, shape, tuple(id(clause) for clause in where), tuple(id(extra) for extra in returning))
    stmt = _MOVES.get(key)
    if stmt is None:
        sets = {
            name: value if isinstance(value, ClauseElement)
            else bindparam(f"set_{name}", type_=publications.c[name].type)
            for name, value in values.items()
        }
        stmt = (
            update(publications)
            .where(publications.c.id == bindparam("move_id"), publications.c.state == seen.value, *where)
            .values(state=to.value, updated_at=bindparam("set_updated_at", type_=publications.c.updated_at.type),
                    **sets)
            .returning(*publications.c, *returning)
        )
        _MOVES[key] = stmt
    return stmt
