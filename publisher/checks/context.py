"""What every check gets besides the item: the matrix, settings and things built once per run.

Building the word automaton or resolving a remote host once per run (not once per item) is what
keeps 10,000 items fast, so they live here and every check reads them from the context. The
matchers are built by their own checks on first use (words.py, placeholders.py), so this module
imports none of them and no check module imports back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.content.findings import Severity
from publisher.content.matrix import Matrix

if TYPE_CHECKING:  # pydantic-settings (≈ 16 MB, 0.1 s): not for a check worker that never reads settings
    from publisher.settings import Settings


@dataclass
class CheckContext:
    matrix: Matrix
    allow_remote_images: bool = False
    # Review problems are warnings on drafts; the planner asks with `strict_review=True`.
    strict_review: bool = False
    words: Any = None  # publisher.checks.words.WordMatcher, built by check_words on first use
    placeholders: Any = None  # publisher.checks.placeholders.PlaceholderMatcher, likewise
    # Prepared images for the channel checks' renditions (publisher.render.images.ImageCache);
    # None prepares every time.
    image_cache: Any = None
    image_results: dict[tuple, list[tuple[str, str, Severity]]] = field(default_factory=dict)
    host_results: dict[str, tuple[str, str, Severity] | None] = field(default_factory=dict)
    # Sign-off trails read once per run (publisher.content.history.RepoHistory, None outside git);
    # `history_read` False: items keep whatever trail they were given.
    history: object = None
    history_read: bool = False
    # Channel objects by account id, made once per run instead of once per item and target (their
    # setup validates the account's options); None makes one per target. Only `check_items` turns
    # it on: a resident context would keep what channels remember of each rendition for months.
    channels: dict[str, Any] | None = field(default=None, init=False)

    def channel(self, account: Any) -> Any:  # an Account -> its Channel
        """The account's channel object (publisher.render.renditions.channel_for, which raises
        RenderingError for an account that cannot render: never remembered)."""
        from publisher.render.renditions import channel_for

        if self.channels is None:
            return channel_for(account, self.matrix, self.image_cache)
        made = self.channels.get(account.id)
        if made is None or made[0] is not account or made[1] is not self.image_cache:
            made = self.channels[account.id] = (account, self.image_cache,
                                                channel_for(account, self.matrix, self.image_cache))
        return made[2]

    def attach_trail(self, item: Any) -> None:  # a ContentItem
        if self.history_read:
            item.trail = self.history.trail(item.id) if self.history is not None else None  # type: ignore[attr-defined]

    @classmethod
    def build(cls, matrix: Matrix, settings: Settings | None = None, *, strict_review: bool = False) -> CheckContext:
        allow_remote = bool(settings.allow_remote_images) if settings is not None else False
        return cls(matrix, allow_remote, strict_review, image_cache=image_cache_for(settings))


def image_cache_for(settings: Settings | None):
    """The installation's image cache when its state folder exists (what the planner uses), else
    the user's cache folder: `check` in an editor's repo (the pre-commit hook) must not leave a
    `.state` folder behind, and must not re-encode every picture on every commit either."""
    # Late: only the channel checks prepare pictures, and Pillow is heavy to import.
    from publisher.render.images import ImageCache

    if settings is not None and settings.state_dir.is_dir():
        return ImageCache(settings.state_dir / "cache" / "images")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return ImageCache(Path(base) / "matrix-publisher" / "images")
