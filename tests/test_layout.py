"""The shape of the code is a tested contract (docs/architecture.md):

- layers: `cli` → `schedule` → `office` | `publish` → `runtime` → `checks` → `render` | `ledger`
  → `content`. `schedule` is on top because its one loop runs every periodic step, the office's
  included; office and publish never import each other; checks sit above render because `check`
  runs every target channel's check on its rendition, as publishing will. A package may import
  the packages below it, never one above;
- the core (`publisher/`) never imports `workers/` (the Celery shell) or Celery itself, and never
  a concrete channel package: it talks to `channels.base`'s interface and the registry;
- no import cycles anywhere in publisher/, channels/ and workers/ (type-checking-only imports
  aside: they never run);
- nothing under `publisher/` names a concrete channel, in code, comments or templates.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["cli", "schedule", ("office", "publish"), "runtime", "checks", ("render", "ledger"), "content"]
# Interface modules of channels/ the core may use; anything else under channels/ is a channel.
CHANNEL_INTERFACE = {"channels.base", "channels.errors", "channels.registry", "channels.preview_kit",
                     "channels.sandbox_server", "channels.sandbox_faults"}  # every channel's sandbox on one port
# Words that name a concrete channel (any case), in English and as editors say them. 企业微信
# (WeCom, and its API host qyapi.weixin.qq.com) is a notification robot, not a channel.
CHANNEL_WORDS = re.compile(r"wechat|(?<!qyapi\.)weixin|weibo|douyin|(?<!企业)微信|微博|公众号|抖音", re.IGNORECASE)
# A bare "site" is an ordinary word (site_dir, matrix.site); as a quoted channel name it is not.
# Allowed: the state folder's default name and the `publisher site` command group's name (in
# its Typer command and in its light entry).
SITE_LITERAL = re.compile(r"""["']site["']""")
SITE_ALLOWED = {("publisher/settings.py", 'return self.state_dir / "site"'),
                ("publisher/cli/site.py", 'app.add_typer(site, name="site")'),
                ("publisher/cli/site_build.py", 'if argv[:2] != ["site", "build"]:')}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("publisher", "channels", "workers", exclude_type_checking_imports=True)


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "publisher":
        return None
    for index, layer in enumerate(LAYERS):
        if parts[1] in (layer if isinstance(layer, tuple) else (layer,)):
            return index
    return None


def test_packages_only_import_the_layers_below_them(graph):
    upward = []
    for importer in sorted(graph.modules):
        mine = _layer_of(importer)
        if mine is None:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            theirs = _layer_of(imported)
            same_package = theirs == mine and importer.split(".")[1] == imported.split(".")[1]
            if theirs is not None and theirs <= mine and not same_package:
                upward.append(f"{importer} → {imported}")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_core_imports_no_worker_no_celery_and_no_concrete_channel(graph):
    bad = []
    for importer in sorted(m for m in graph.modules if m.startswith("publisher")):
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.startswith("workers") or (imported.startswith("channels.") and imported not in CHANNEL_INTERFACE):
                bad.append(f"{importer} → {imported}")
    assert not bad, "\n".join(bad)
    celery = [p for p in (ROOT / "publisher").rglob("*.py") if re.search(r"^\s*(from|import) celery\b", p.read_text("utf-8"), re.M)]
    assert not celery, celery


def test_no_import_cycles(graph):
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.add(tuple(sorted((module, imported))))
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in sorted(cycles))


def test_nothing_under_publisher_names_a_concrete_channel():
    found = []
    for path in sorted((ROOT / "publisher").rglob("*")):
        if path.suffix not in {".py", ".j2", ".html", ".css", ".ini", ".mako"} or "migrations" in path.parts:
            continue
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if CHANNEL_WORDS.search(line) or SITE_LITERAL.search(line) and (rel, line.strip()) not in SITE_ALLOWED:
                found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, "concrete channels named in the core:\n" + "\n".join(found)


def test_the_ban_itself_catches_a_mention(tmp_path):
    """The scan above would fail on these lines (so a pass means something)."""
    for line in ('if account.channel == "weibo":', "# WeChat's submit", 'accounts_for("site")', "发到微信公众号"):
        assert CHANNEL_WORDS.search(line) or SITE_LITERAL.search(line), line
    for line in ("企业微信群机器人", "https://qyapi.weixin.qq.com"):
        assert not CHANNEL_WORDS.search(line), line


def test_the_celery_executor_is_found_by_name_and_a_missing_one_is_a_sentence():
    from publisher.schedule.executors import ExecutorMissing, remote_executor
    from workers.executor import CeleryExecutor

    assert isinstance(remote_executor("celery"), CeleryExecutor)
    with pytest.raises(ExecutorMissing, match="找不到执行器“rabbit”"):
        remote_executor("rabbit")
