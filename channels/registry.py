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


_loaded: dict[str, type[Channel] | None] = {}  # by name, as imported (None: failed)


def _targets() -> dict[str, str]:
    targets = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        targets.setdefault(ep.name, ep.value)
    return targets


def _load(name: str, target: str) -> type[Channel] | None:
    if name not in _loaded:
        try:
            _loaded[name] = _import(target)
        except Exception as exc:  # a broken plugin must not take the others down
            log.warning("渠道插件 %s 无法加载，已停用：%s", name, exc)
            _loaded[name] = None
    return _loaded[name]


@cache
def available() -> dict[str, type[Channel]]:
    found: dict[str, type[Channel]] = {}
    for name, target in sorted(_targets().items()):
        cls = _load(name, target)
        if cls is not None:
            found[name] = cls
    return found


def channel_class(name: str) -> type[Channel] | None:
    """One channel's class, importing only that channel (a built-in without reading the
    installed entry points): a command or a worker that renders for WeChat never pays for the
    imports of a channel it does not use (抖音's video stack is ≈40 MB and ≈0.2 s)."""
    if name in _BUILTIN:
        return _load(name, _BUILTIN[name])
    if _loaded.get(name) is not None:
        return _loaded[name]
    return available().get(name)


def forget() -> None:
    """Forget every channel imported so far (tests install and remove plugins)."""
    _loaded.clear()
    available.cache_clear()


def missing() -> list[str]:
    """Names that were declared but could not be loaded."""
    targets = set(_BUILTIN) | {ep.name for ep in entry_points(group=GROUP)}
    return sorted(targets - set(available()))
