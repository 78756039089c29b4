"""The status board: what needs a person first (failed, unconfirmed, blocked), each with its
reason and the command that fixes it; then what is moving, what comes next, what went out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from publisher.content.matrix import Matrix
from publisher.ledger import Ledger, State, state_label
from publisher.office.status import StatusRow, content_problems, controls, status_rows

NEEDS_PERSON = ("failed", "unconfirmed", "blocked", "held")
MOVING = ("queued", "publishing", "retracting")
RECENT_LIMIT = 20
UPCOMING_LIMIT = 30


@dataclass
class StatusBoard:
    attention: list[StatusRow]  # failed, unconfirmed, blocked, held — in that order
    moving: list[StatusRow]
    upcoming: list[StatusRow]  # scheduled, soonest first
    recent: list[StatusRow]  # published, newest first
    counts: list[tuple[str, str, int]]  # (state, label, count)
    notes: list[str]  # freezes and paused accounts
    titles: dict[str, str]  # item id → title
    content: dict  # what the last sync could not use (office.status.content_problems)


def status_board(ledger: Ledger, matrix: Matrix) -> StatusBoard:
    rows = status_rows(ledger, matrix.tz)
    titles = {v.item_id: v.title for v in ledger.list_item_versions()}
    kind = {r.id: "held" if r.held else r.state for r in rows}
    attention = sorted(
        (r for r in rows if kind[r.id] in NEEDS_PERSON),
        key=lambda r: (NEEDS_PERSON.index(kind[r.id]), r.scheduled_at, r.id),
    )
    moving = [r for r in rows if r.state in MOVING]
    upcoming = sorted((r for r in rows if kind[r.id] == "scheduled"), key=lambda r: (r.scheduled_at, r.id))
    recent = sorted((r for r in rows if r.state == "published"), key=lambda r: (r.updated_at, r.id), reverse=True)
    tally = Counter(r.state for r in rows)
    counts = [(s.value, state_label(s), tally.get(s.value, 0)) for s in State if tally.get(s.value)]
    return StatusBoard(
        attention=attention,
        moving=moving,
        upcoming=upcoming[:UPCOMING_LIMIT],
        recent=recent[:RECENT_LIMIT],
        counts=counts,
        notes=controls(ledger, matrix.tz)["notes"],
        titles=titles,
        content=content_problems(ledger, matrix.tz),
    )
