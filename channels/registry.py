"""Channel classes by name: built-ins and third-party plugins from the entry-point group
`publisher.channels`. A plugin that fails to import disables that one channel with a message
(the Pelican way); nothing else breaks."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from channels.base import Channel

log = logging.getLogger(__name__)
GROUP = "publisher.channels"
_BUILTIN = {
    "wechat": "channels.wechat:WeChatChannel",
    "weibo": "channels.weibo:WeiboChannel",
    "site": "channels.site:SiteChannel",
}


def _import(target: str) -> type[Channel]:
    module_name, _, attr = target.partition(":")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


@cache
def available() -> dict[str, type[Channel]]:
    targets = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        targets.setdefault(ep.name, ep.value)
    found: dict[str, type[Channel]] = {}
    for name, target in sorted(targets.items()):
        try:
            found[name] = _import(target)
        except Exception as exc:  # a broken plugin must not take the others down
            log.warning("渠道插件 %s 无法加载，已停用：%s", name, exc)
    return found


def channel_class(name: str) -> type[Channel] | None:
    return available().get(name)


def missing() -> list[str]:
    """Names that were declared but could not be loaded."""
    targets = set(_BUILTIN) | {ep.name for ep in entry_points(group=GROUP)}
    return sorted(targets - set(available()))
