"""Which accounts an item goes to, from its `targets` in front matter:

- omitted (None): every account with `default = true`;
- `{<channel>: null}` or `{<channel>: {title: …}}`: that channel's default accounts;
- `{<channel>: {accounts: [a, b]}}`: exactly those accounts (unknown ones are reported by
  publisher.checks.targets and skipped here).
"""

from __future__ import annotations

from publisher.content.matrix import Account, Matrix
from publisher.content.model import ContentItem


def targets_for(item: ContentItem, matrix: Matrix) -> list[Account]:
    """The accounts an item goes to, in publisher.toml order, without duplicates."""
    targets = item.meta.targets
    if targets is None:
        return [a for a in matrix.accounts if a.default]
    chosen: set[str] = set()
    for channel, spec in targets.items():
        if spec is not None and spec.accounts:
            chosen.update(
                a for a in spec.accounts if (acc := matrix.account(a)) is not None and acc.channel == channel
            )
        else:
            chosen.update(a.id for a in matrix.accounts_for(channel) if a.default)
    return [a for a in matrix.accounts if a.id in chosen]
