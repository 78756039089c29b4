"""The state folder (ledger, stored versions, caches, built site) and the SQLite ledger are the
owner's only: `publisher run --once` on a fresh state folder creates them 0700 / 0600, whatever
the umask, and no file below is readable by others."""

from __future__ import annotations

import os
import stat

import pytest
from hostile_content import hostile_root
from typer.testing import CliRunner

from publisher.cli import app

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual default: files 0644, folders 0755
    yield
    os.umask(old)


def test_run_once_creates_a_private_state_folder_and_ledger(tmp_path, monkeypatch, loose_umask):
    root = hostile_root(tmp_path)
    state = tmp_path / "fresh" / "state"
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("PUBLISHER_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(root))
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(state))
    monkeypatch.setenv("PUBLISHER_USE_GIT", "false")
    monkeypatch.setenv("PUBLISHER_CATCH_UP_MINUTES", "60")  # the hostile items are due now: publish them
    result = CliRunner().invoke(app, ["run", "--once", "--timeout", "20"])
    # No secrets here: the accounts pause and nothing goes out, which the run reports with 1.
    assert result.exit_code == 1 and "暂缓" in result.output, result.output

    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    ledger = state / "ledger.sqlite3"
    assert ledger.is_file() and stat.S_IMODE(ledger.stat().st_mode) == 0o600
    # Whatever else lives in there is out of others' reach through the folder itself.
    readable_by_others = [
        p for p in state.rglob("*") if p.stat().st_mode & (stat.S_IROTH | stat.S_IWOTH) and p.is_file()
        and stat.S_IMODE(state.stat().st_mode) & stat.S_IXOTH
    ]  # fmt: skip
    assert readable_by_others == []


def test_status_on_a_fresh_machine_makes_the_state_folder_private(tmp_path, monkeypatch, loose_umask):
    # `publisher status` (ledger_of) used to create the folder 0755 before the ledger made it private;
    # now only folders made here are tightened, so ledger_of must make it private itself.
    state = tmp_path / "state"
    for key in [k for k in os.environ if k.startswith("PUBLISHER_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(state))
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(hostile_root(tmp_path)))
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "ledger.sqlite3").stat().st_mode) == 0o600
