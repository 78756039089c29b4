"""The renders of one item for all its targets, as one moment: within `one_item()` a channel may
reuse what it made for this item object for an earlier account, when that account renders alike
(two accounts of one channel with the same theme and options: the same output, byte for byte), and a
picture an item references is located once for all its channels (`located`).

Why a scope, not a cache: renders are pure only for unchanged files. Inside the scope (a check
or plan of one item, a few milliseconds) the item's folder is taken as one snapshot, as every
render of it already assumes; outside, nothing is remembered, so a resident process that renders
an item again later sees the files as they are then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Moment:
    kept: list[tuple[Any, Any, Any]] = field(default_factory=list)  # (item, key, value)
    located: dict[Any, Any] = field(default_factory=dict)


_MOMENT: ContextVar[_Moment | None] = ContextVar("item_renders", default=None)


@contextmanager
def one_item() -> Iterator[None]:
    """Let the renders made inside share their work (see the module docstring)."""
    token = _MOMENT.set(_Moment())
    try:
        yield
    finally:
        _MOMENT.reset(token)


def made_before(item: Any, key: Any) -> Any:
    """What `keep(item, key, value)` left in this scope for this very item object and an equal
    key; None outside a scope or when nothing was kept."""
    moment = _MOMENT.get()
    if moment is not None:
        for other, other_key, value in moment.kept:
            if other is item and other_key == key:
                return value
    return None


def keep(item: Any, key: Any, value: Any) -> None:
    """Offer `value` to the later renders of `item` in this scope (nothing outside one)."""
    moment = _MOMENT.get()
    if moment is not None:
        moment.kept.append((item, key, value))


def located() -> dict[Any, Any] | None:
    """Where pictures were found in this scope, for `publisher.render.images.locate_local`
    (by folder, reference and encoding); None outside a scope: look every time."""
    moment = _MOMENT.get()
    return moment.located if moment is not None else None
