"""Sync reads committed content or stops: never the working tree by accident (issue 13, item 5).

A content folder with a `.git` that git will not open (another user's repo: "dubious ownership";
a broken `.git`) stops sync with a Chinese sentence and the fix. These tests run sync as a
different system user than the repo's owner, as compose does (the `publisher` user over an
editor's repo): first refused, then fixed by the safe.directory setting the sentence names, and
the way compose.yaml does it, `PUBLISHER_CONTENT_REMOTE`: the program's own clone of the remote
(served here by `git daemon` running as the repo's owner, as a git server would), fetched on
each sync.

The repos belong to a second local user (created with useradd) and sync runs as root, in this
process (the interpreter lives under /root, which another user may not enter); git applies the
same ownership rule to root as to anyone. Each test gives git its own global config file.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from content_repo import GIT_ENV, commit_all, git, init_repo
from publish_fixtures import free_port, write_content
from typer.testing import CliRunner

from publisher.cli import app
from publisher.ledger import open_ledger
from publisher.schedule.sync import SourceRefused, sync
from publisher.settings import Settings

OTHER_USER = "publisher-sync-test"
LATER = datetime.now(UTC) + timedelta(days=2)


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why} (required under CI=true)")
        pytest.skip(why)


@pytest.fixture(scope="module")
def other_user() -> pwd.struct_passwd:
    """A second local user (created when missing; the test machine runs as root)."""
    _need(os.geteuid() == 0, "running sync as another user needs root (to create and become that user)")
    try:
        return pwd.getpwnam(OTHER_USER)
    except KeyError:
        pass
    done = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OTHER_USER],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode not in (0, 9):  # 9: created meanwhile by a parallel run
        pytest.fail(f"useradd failed: {done.stderr}")
    return pwd.getpwnam(OTHER_USER)


@pytest.fixture
def place(tmp_path):
    """A folder every user can enter (pytest's own tmp folders are owner-only)."""
    folder = Path(tempfile.mkdtemp(prefix="publisher-access-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _plan(monkeypatch, **env: str):
    """`publisher plan --format json` (sync without writing) with these settings."""
    for key, value in {"COLUMNS": "200", **env}.items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(app, ["plan", "--format", "json"])


@pytest.fixture
def git_home(place, monkeypatch):
    """This test's own global git config (safe.directory goes there, not into root's)."""
    home = place / "home"
    home.mkdir()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    return home


def _give(user: pwd.struct_passwd, folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, user.pw_uid, user.pw_gid)


def test_sync_as_another_user_stops_with_the_fix_then_reads_the_commit(other_user, place, git_home, monkeypatch):
    content = place / "content"
    write_content(content, 2, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
    head = init_repo(content)
    (content / "items" / "2026" / "11" / "item-0000" / "index.md").write_text("---\ntitle: 未提交的草稿\n---\n",
                                                                            encoding="utf-8")  # fmt: skip
    _give(other_user, content)  # the editors' checkout, owned by another user
    env = {"PUBLISHER_CONTENT_DIR": str(content), "PUBLISHER_STATE_DIR": str(place / "state")}

    refused = _plan(monkeypatch, **env)
    assert refused.exit_code == 2, refused.output
    assert "属于另一个系统用户" in refused.stderr and "同步已停止" in refused.stderr
    assert f"git config --global --add safe.directory {content}" in refused.stderr
    assert "未提交的草稿" not in refused.stdout  # it never fell back to the working tree

    # The fix the sentence names, in this test's global git config.
    subprocess.run(["git", "config", "--global", "--add", "safe.directory", str(content)], check=True)
    planned = _plan(monkeypatch, **env)
    assert planned.exit_code == 0, planned.output
    result = json.loads(planned.stdout)
    assert result["commit"] == head and len(result["entries"]) == 2  # the committed items, not the draft


def test_the_publishers_own_clone_of_the_remote_is_fetched_on_each_sync(other_user, place, git_home, monkeypatch):
    daemon = shutil.which("git-daemon") or "/usr/lib/git-core/git-daemon"
    _need(Path(daemon).exists(), "git daemon (Debian package git) is needed to serve the remote")
    editors = place / "editors"
    write_content(editors, 1, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
    init_repo(editors)
    served = place / "served"
    served.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(editors), str(served / "content.git")], check=True, env=GIT_ENV)
    _give(other_user, served)  # the git server's account owns the served repo
    port = free_port()
    server = subprocess.Popen([daemon, "--reuseaddr", "--listen=127.0.0.1", f"--port={port}", "--export-all", "--enable=receive-pack",
                               f"--user={other_user.pw_name}", f"--group={grp.getgrgid(other_user.pw_gid).gr_name}",
                               f"--base-path={served}", str(served)], stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        state = place / "state"
        remote = f"git://127.0.0.1:{port}/content.git"
        env = {"PUBLISHER_CONTENT_DIR": str(state / "content"), "PUBLISHER_CONTENT_REMOTE": remote,
               "PUBLISHER_STATE_DIR": str(state)}  # fmt: skip
        first = _retry_until_served(lambda: _plan(monkeypatch, **env))
        assert first.exit_code == 0, first.output
        assert len(json.loads(first.stdout)["entries"]) == 1
        assert (state / "content" / ".git").is_dir()

        # An editor commits and pushes a second item: the next sync fetches it.
        write_content(place / "more", 2, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
        shutil.copytree(place / "more" / "items" / "2026" / "11" / "item-0001", editors / "items" / "2026" / "11" / "item-0001")
        pushed = commit_all(editors, "第二条稿件")
        git(editors, "push", "-q", remote, "main")  # to the server, as editors do
        second = _plan(monkeypatch, **env)
        assert second.exit_code == 0, second.output
        assert json.loads(second.stdout)["commit"] == pushed and len(json.loads(second.stdout)["entries"]) == 2
        assert (state / "content" / "items" / "2026" / "11" / "item-0001" / "index.md").is_file()  # work tree moved on
    finally:
        server.terminate()
        server.wait(10)


def _retry_until_served(attempt, seconds: float = 10.0):
    """git daemon takes a moment to listen; the first clone may meet a closed port."""
    deadline = time.monotonic() + seconds
    while True:
        result = attempt()
        if result.exit_code == 0 or time.monotonic() > deadline or "无法克隆" not in result.output:
            return result
        time.sleep(0.3)


def test_a_broken_git_folder_stops_sync_instead_of_reading_the_working_tree(tmp_path):
    content = tmp_path / "content"
    write_content(content, 1, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
    (content / ".git").write_text("gitdir: /nonexistent/worktree\n", encoding="utf-8")  # a moved worktree
    settings = Settings(content_dir=content, state_dir=tmp_path / "state", use_git=True)
    with open_ledger(f"sqlite:///{tmp_path / 'state' / 'ledger.sqlite3'}") as ledger:
        with pytest.raises(SourceRefused) as refused:
            sync(content, ledger, settings)
        assert "git 无法打开它" in str(refused.value) and "不会改读工作目录" in str(refused.value)
        assert ledger.publications() == []  # nothing read from the working tree
        assert [p.code for p in ledger.sync_health().refused] == ["source-refused"]
