"""`publisher check` runs every target channel's checks, and the planner blocks on exactly the
findings `check` reports (one verdict, publisher/checks/verdict.py): a WeChat item without a
cover, a title too long, a Weibo post too long or linking to a page the site will never have."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.checks import check_items, judge_for_publishing
from publisher.cli import app
from publisher.content.loader import load_items
from publisher.content.matrix import load_matrix
from publisher.ledger import State, open_ledger
from publisher.schedule.sync import sync
from publisher.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "content"
BASE = "2026/11/open-data-contest"
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _variant(root: Path, name: str, edit) -> str:
    source = root / "items" / BASE
    folder = root / "items/2026/11" / name
    shutil.copytree(source, folder)
    path = folder / "index.md"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return f"2026/11/{name}"


def _weibo_only(text: str) -> str:
    start, end = text.index("targets:\n"), text.index("review:\n")
    return text[:start] + "targets:\n  weibo:\n    accounts:\n      - bjdata-weibo\n" + text[end:]


def _no_pictures(text: str) -> str:
    lines = [ln for ln in text.split("\n") if not ln.startswith(("cover:", "cover_focus:", "!["))]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("channel-checks") / "content"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".git"))
    # A plain folder: sign-offs taken as written (the git-bound rules: test_signoffs_git.py).
    config = root / "publisher.toml"
    config.write_text(config.read_text("utf-8").replace("[review]\n", '[review]\nverify = "none"\n', 1), "utf-8")
    _variant(root, "no-cover", _no_pictures)
    _variant(root, "long-title", lambda t: t.replace("    title: 开放数据创新应用大赛开始报名\n    digest",
                                                      "    title: " + "开放数据" * 20 + "\n    digest", 1))
    _variant(root, "long-weibo", lambda t: t.replace("欢迎高校、企业和个人开发者参赛！", "欢迎参赛！" * 40))
    _variant(root, "weibo-only", _weibo_only)
    return root


EXPECTED = {
    "no-cover": ("wechat-cover-missing", "bjdata-wechat"),
    "long-title": ("wechat-title-too-long", "bjdata-wechat"),
    "long-weibo": ("weibo-too-long", "bjdata-weibo"),
    "weibo-only": ("weibo-no-site-page", "bjdata-weibo"),
}


def test_check_reports_what_each_target_channel_would_block(repo: Path):
    report = check_items(repo, load_matrix(repo))
    errors = {(f.path.split("/")[3], f.code) for f in report.errors}
    for name, (code, _) in EXPECTED.items():
        assert (name, code) in errors, (name, code, sorted(errors))
    assert not [f for f in report.errors if f.path.split("/")[3] not in EXPECTED]  # the sample stays clean


def test_the_cli_and_the_pre_commit_hook_exit_1_on_a_channel_error(repo: Path):
    result = CliRunner().invoke(app, ["check", str(repo / "items/2026/11/no-cover")])
    assert result.exit_code == 1
    assert "[wechat-cover-missing]" in result.output and "微信文章必须有封面" in result.output


def test_weibo_only_item_names_the_missing_page_and_the_fix(repo: Path):
    report = check_items(repo, load_matrix(repo), [repo / "items/2026/11/weibo-only"])
    (hit,) = [f for f in report.findings if f.code == "weibo-no-site-page"]
    assert hit.is_error and "targets 中加上 site" in hit.message
    assert hit.line == 14  # the `weibo:` key under targets


def test_check_and_the_planner_share_one_list(repo: Path, tmp_path: Path):
    matrix = load_matrix(repo)
    report = check_items(repo, matrix)
    settings = Settings(content_dir=repo, state_dir=tmp_path / "state", use_git=False)
    for item in load_items(repo, matrix).items:
        if item.meta.draft:
            continue  # the planner withdraws drafts before judging them
        verdict = judge_for_publishing(item, matrix, settings)
        blocking = {(f.code, f.line, f.message) for t in verdict.targets for f in verdict.errors_for(t)}
        reported = {(f.code, f.line, f.message) for f in report.findings_for(item) if f.is_error}
        assert blocking == reported, item.id


def test_the_planner_blocks_each_target_with_the_finding_check_reported(repo: Path, tmp_path: Path):
    settings = Settings(content_dir=repo, state_dir=tmp_path / "state", use_git=False)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    try:
        sync(repo, ledger, settings, NOW)
        report = check_items(repo, load_matrix(repo))
        for name, (code, account) in EXPECTED.items():
            (finding,) = [f for f in report.errors if f.code == code and f"/{name}/" in f.path]
            rows = {r.account_id: r for r in ledger.publications(item_id=f"2026/11/{name}")}
            assert rows[account].state is State.BLOCKED
            assert finding.message in rows[account].blocked_reason
        # Only the target whose channel objects is held: the item's site page still goes out.
        rows = {r.account_id: r for r in ledger.publications(item_id="2026/11/no-cover")}
        assert rows["portal"].state is not State.BLOCKED
    finally:
        ledger.close()
