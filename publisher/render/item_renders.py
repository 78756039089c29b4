"""The renders of one item for all its targets, as one moment: within `one_item()` a channel may
reuse what it made for this item object for an earlier account, when that account renders alike
(two accounts of one channel with the same theme and options: the same output, byte for byte).

Why a scope, not a cache: renders are pure only for unchanged files. Inside the scope (a check
or plan of one item, a few milliseconds) the item's folder is taken as one snapshot, as every
render of it already assumes; outside, nothing is remembered, so a resident process that renders
an item again later sees the files as they are then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_SHARED: ContextVar[list[tuple[Any, Any, Any]] | None] = ContextVar("item_renders", default=None)


@contextmanager
def one_item() -> Iterator[None]:
    """Let the renders made inside share their work (see the module docstring)."""
    token = _SHARED.set([])
    try:
        yield
    finally:
        _SHARED.reset(token)


def made_before(item: Any, key: Any) -> Any:
    """What `keep(item, key, value)` left in this scope for this very item object and an equal
    key; None outside a scope or when nothing was kept."""
    kept = _SHARED.get()
    if kept:
        for other, other_key, value in kept:
            if other is item and other_key == key:
                return value
    return None


def keep(item: Any, key: Any, value: Any) -> None:
    """Offer `value` to the later renders of `item` in this scope (nothing outside one)."""
    kept = _SHARED.get()
    if kept is not None:
        kept.append((item, key, value))
