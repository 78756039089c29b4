"""What a check worker needs, imported by the process pool's fork server before it forks the
workers (publisher.checks.runner): the checks and every declared channel's module (built-ins and
entry-point plugins), so no worker imports them again. Each worker still asks the registry for
the channels (`channels.registry.available`), so a plugin installed later is found and a broken
one reported as before. Importing this module only loads code."""

from __future__ import annotations

import contextlib
import importlib
from importlib.metadata import entry_points

from channels.registry import _BUILTIN, GROUP
from publisher.checks import runner  # noqa: F401  (the checks and what they import)

for _target in sorted({*_BUILTIN.values(), *(ep.value for ep in entry_points(group=GROUP))}):
    with contextlib.suppress(Exception):  # a plugin that cannot load is the registry's to report
        importlib.import_module(_target.partition(":")[0])
