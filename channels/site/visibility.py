"""Which items are on the site at a given moment: due, not expired, not a draft, and aimed at the
site channel (no `targets` → only when a site account is a default account; explicit `targets`
must name `site`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem

CHANNEL = "site"


def site_targeted(item: ContentItem, matrix: Matrix) -> bool:
    targets = item.meta.targets
    if targets is None:
        return any(a.default for a in matrix.accounts_for(CHANNEL))
    return CHANNEL in targets


def visibility(item: ContentItem, matrix: Matrix) -> dict[str, Any]:
    """The few facts that decide visibility, kept in the manifest so an unchanged item need not be
    parsed again to know whether it is due yet."""
    meta = item.meta
    return {
        "publish_at": meta.publish_at.isoformat(),
        "expire_at": meta.expire_at.isoformat() if meta.expire_at else None,
        "draft": meta.draft,
        "site": site_targeted(item, matrix),
    }


def is_live(facts: dict[str, Any] | None, now: datetime) -> bool:
    if not facts or facts["draft"] or not facts["site"]:
        return False
    if datetime.fromisoformat(facts["publish_at"]) > now:
        return False
    expire = facts.get("expire_at")
    return expire is None or datetime.fromisoformat(expire) > now
