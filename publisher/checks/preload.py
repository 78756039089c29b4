"""What a check worker needs, imported by the process pool's fork server before it forks the
workers (publisher.checks.runner): the checks and the channels' renderers, so no worker imports
them again. Each worker still asks the registry for the channels (`channels.registry.available`),
so a plugin installed later is found as before. Importing this module only loads code."""

from __future__ import annotations

import contextlib
import importlib

import channels.site  # noqa: F401
import channels.wechat  # noqa: F401
import channels.weibo  # noqa: F401
from publisher.checks import runner  # noqa: F401  (the checks and what they import)

# 抖音 is a plugin of this package (entry point): loaded when it can be; when it cannot, the
# workers' registry says so, as before.
with contextlib.suppress(Exception):
    importlib.import_module("channels.douyin")
