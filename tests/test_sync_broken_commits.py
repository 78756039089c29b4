"""A bad commit never stops publishing (issue 13, items 3, 4 and 6), on a real git repo and ledger:

- a publisher.toml with a syntax error, an account on a channel that is not installed, a bad
  base URL: the commit is refused with the file and line *in the repo*, the ledger keeps what the
  last good commit planned, the refusal is recorded for `status` and the dashboard, and the
  scheduling loop says it on every turn until a fixed commit lands;
- an item that cannot be read (not UTF-8, broken YAML, a dangling or escaping symlink) is a load
  error with its file and line; it never stops the other items, and what was planned from it
  before stays scheduled (it is not "deleted").
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

import pytest
from content_repo import commit_all, init_repo, line_of
from publish_fixtures import write_content
from typer.testing import CliRunner

from publisher.cli import app
from publisher.ledger import State, open_ledger
from publisher.schedule.loop import run_step
from publisher.schedule.sync import ConfigRefused, sync
from publisher.settings import Settings

LATER = datetime.now(UTC) + timedelta(days=2)  # planned, never due: nothing needs a sandbox


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "content"
    ids = write_content(root, 3, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
    init_repo(root)
    for key, value in {"PUBLISHER_CONTENT_DIR": str(root), "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
                       "PUBLISHER_USE_GIT": "true", "COLUMNS": "200"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    return root, ids


@pytest.fixture
def ledger(tmp_path):
    with open_ledger(f"sqlite:///{tmp_path / 'state' / 'ledger.sqlite3'}") as opened:
        yield opened


def _states(ledger) -> dict[str, str]:
    return {p.item_id: p.state.value for p in ledger.publications()}


def _break_toml(root) -> int:
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "工作动态"', 'name = "工作动态'), encoding="utf-8")
    return line_of(toml, 'name = "工作动态')


def test_a_broken_publisher_toml_is_refused_with_its_line_and_the_last_good_plan_stays(repo, ledger, tmp_path):
    root, ids = repo
    settings = Settings()
    good = sync(root, ledger, settings)
    assert _states(ledger) == dict.fromkeys(ids, "scheduled")
    line = _break_toml(root)
    bad = commit_all(root, "改栏目名（引号没关）")

    with pytest.raises(ConfigRefused) as refused:
        sync(root, ledger, settings)
    text = str(refused.value)
    assert f"publisher.toml:{line}" in text and "TOML 语法错误：这一行的字符串没有结束（缺少右引号）" in text
    assert f"提交 {bad[:10]} 的配置有误，未采用" in text
    assert f"继续按上一次可用的提交 {good.commit[:10]}" in text
    assert str(tmp_path / "state") not in text and "snapshots" not in text  # never the snapshot path
    assert " error " not in text
    assert _states(ledger) == dict.fromkeys(ids, "scheduled")  # nothing cancelled, nothing re-planned

    health = ledger.sync_health()
    assert not health.ok and health.commit == bad and health.last_good_commit == good.commit
    assert [(p.path, p.line, p.code) for p in health.refused] == [("publisher.toml", line, "config-syntax")]

    status = CliRunner().invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "内容库同步受阻" in status.output and f"publisher.toml:{line}" in status.output

    fixed = root / "publisher.toml"
    fixed.write_text(fixed.read_text(encoding="utf-8").replace('name = "工作动态\n', 'name = "工作动态"\n'), encoding="utf-8")
    commit_all(root, "改正")
    sync(root, ledger, settings)
    assert ledger.sync_health().ok
    assert "内容库同步受阻" not in CliRunner().invoke(app, ["status"]).output


def test_the_loop_says_it_on_every_turn_until_fixed(repo, ledger, caplog):
    from publisher.runtime.context import open_runtime

    root, _ids = repo
    runtime = open_runtime(Settings(), shared="ledger")
    try:
        assert run_step("sync-content", runtime, None) is not None
        line = _break_toml(root)
        commit_all(root, "坏提交")
        with caplog.at_level(logging.WARNING, logger="publisher.schedule.loop"):
            for _turn in range(3):
                assert run_step("sync-content", runtime, None) is None  # refused, not raised
        said = [r.getMessage() for r in caplog.records if f"publisher.toml:{line}" in r.getMessage()]
        assert len(said) == 3 and all("未采用" in s for s in said)
    finally:
        runtime.ledger.close()


def test_an_account_on_a_channel_that_is_not_installed_refuses_the_commit(repo, ledger):
    root, ids = repo
    settings = Settings()
    sync(root, ledger, settings)
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("\n[review]", (
        '\n[[accounts]]\nid = "short-video"\nname = "短视频号"\nchannel = "toutiao"\n\n[review]')), encoding="utf-8")
    commit_all(root, "新账号")
    line = line_of(toml, 'channel = "toutiao"')
    with pytest.raises(ConfigRefused) as refused:
        sync(root, ledger, settings)
    assert f"publisher.toml:{line}" in str(refused.value) and "toutiao" in str(refused.value)
    assert [p.code for p in ledger.sync_health().refused] == ["config-unknown-channel"]
    assert _states(ledger) == dict.fromkeys(ids, "scheduled")

    plan = CliRunner().invoke(app, ["plan"])  # the one-off commands refuse with the same finding
    assert plan.exit_code == 2 and f"publisher.toml:{line}" in plan.output


def test_a_bad_base_url_refuses_the_commit(repo, ledger):
    root, _ids = repo
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"http://127.0.0.1:9/wechat"', '"api.weixin.qq.com"'),
                    encoding="utf-8")  # fmt: skip
    commit_all(root, "改地址")
    with pytest.raises(ConfigRefused) as refused:
        sync(root, ledger, Settings())
    line = line_of(toml, 'base_url = "api.weixin')
    assert f"publisher.toml:{line}" in str(refused.value)
    assert ledger.sync_health().last_good_commit is None  # never had one: says so
    assert "此前没有可用的配置" in str(refused.value)


def test_unreadable_items_are_load_errors_and_keep_their_plan(repo, ledger):
    root, ids = repo
    settings = Settings()
    sync(root, ledger, settings)
    first, second, third = (root / "items" / i for i in ids)
    (first / "index.md").write_bytes((first / "index.md").read_text(encoding="utf-8").encode("gb18030"))
    text = (second / "index.md").read_text(encoding="utf-8")
    (second / "index.md").write_text(text.replace("author: 测试作者", "author: [测试作者"), encoding="utf-8")
    os.symlink("/nonexistent/photo.jpg", third / "dangling.jpg")  # absolute and dangling
    os.symlink("../../../../../../etc/hostname", third / "escape.txt")
    fresh = root / "items" / "2026" / "11" / "new-item"
    fresh.mkdir(parents=True)
    (fresh / "index.md").write_text((third / "index.md").read_text(encoding="utf-8"), encoding="utf-8")
    (fresh / "cover.jpg").write_bytes((third / "cover.jpg").read_bytes())
    commit_all(root, "几处有问题的修改，一条新稿件")

    report = sync(root, ledger, settings)  # no traceback (tarfile.AbsoluteLinkError before)
    where = {f.path: f for f in report.findings}
    assert where[f"items/{ids[0]}/index.md"].code == "encoding-not-utf8"
    assert where[f"items/{ids[1]}/index.md"].code and where[f"items/{ids[1]}/index.md"].line
    assert where[f"items/{ids[2]}/dangling.jpg"].code == "link-outside-repo"
    assert where[f"items/{ids[2]}/escape.txt"].code == "link-outside-repo"
    states = _states(ledger)
    assert states["2026/11/new-item"] == "scheduled"  # the others still sync
    assert [states[i] for i in ids] == ["scheduled"] * 3  # unreadable is not deleted: nothing cancelled

    health = ledger.sync_health()
    assert health.ok and {p.path for p in health.load_errors} == set(where)
    status = CliRunner().invoke(app, ["status", "--format", "json"])
    content = __import__("json").loads(status.stdout)["content"]
    assert {e["location"] for e in content["load_errors"]} >= {
        f"items/{ids[0]}/index.md:{where[f'items/{ids[0]}/index.md'].line}", f"items/{ids[2]}/dangling.jpg"}
    text = CliRunner().invoke(app, ["status"]).output
    assert "无法读取的内容（4 处" in text and "不是 UTF-8" in text


def test_a_plain_folder_reports_dangling_links_too(tmp_path, ledger, monkeypatch):
    root = tmp_path / "content"
    ids = write_content(root, 2, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
    os.symlink("missing.md", root / "items" / ids[0] / "extra.md")
    (root / "items" / ids[1] / "index.md").unlink()
    os.symlink("/nonexistent/index.md", root / "items" / ids[1] / "index.md")
    report = sync(root, ledger, Settings(content_dir=root, state_dir=tmp_path / "state", use_git=False))
    codes = {f.path: f.code for f in report.findings}
    assert codes == {f"items/{ids[0]}/extra.md": "link-dangling", f"items/{ids[1]}/index.md": "link-dangling"}
    assert _states(ledger) == {ids[0]: "scheduled"}


def test_the_dashboard_shows_the_refusal_and_the_load_errors(repo, ledger, tmp_path):
    from publisher.content.matrix import load_matrix
    from publisher.office.dashboard.builder import build_dashboard

    root, ids = repo
    settings = Settings()
    sync(root, ledger, settings)
    (root / "items" / ids[0] / "index.md").write_bytes(b"---\ntitle: \xb2\xe2\n---\n")
    commit_all(root, "乱码")
    sync(root, ledger, settings)
    line = _break_toml(root)
    commit_all(root, "坏配置")
    with pytest.raises(ConfigRefused):
        sync(root, ledger, settings)
    write_content(tmp_path / "matrix", 0, "http://127.0.0.1:9", channels=("wechat",))  # the office's matrix
    html = build_dashboard(ledger, load_matrix(tmp_path / "matrix"), settings, tmp_path / "dash",
                           datetime.now(UTC)).read_text(encoding="utf-8")
    assert "内容同步问题" in html and f"publisher.toml:{line}" in html
    assert f"items/{ids[0]}/index.md" in html and "不是 UTF-8" in html
    assert ledger.sync_health().refused and _states(ledger)[ids[0]] == "scheduled"


def test_held_rows_show_their_reason_and_fix(ledger, tmp_path, monkeypatch):
    from publisher.office.status import status_rows

    root = tmp_path / "content"
    ids = write_content(root, 2, "http://127.0.0.1:9", channels=("wechat",), publish_at=LATER)
    sync(root, ledger, Settings(content_dir=root, state_dir=tmp_path / "state", use_git=False))
    reason = "公众号“wx-main”未配置密钥：请设置环境变量 PUBLISHER_SECRET_WX_MAIN（重新授权后运行 publisher unfreeze --account wx-main）"
    ledger.pause_account("wx-main", datetime.now(UTC) + timedelta(days=3650), reason)
    rows = status_rows(ledger, Settings().tz)
    assert [r.item_id for r in rows] == ids and all(r.held and r.state_label == "暂缓" for r in rows)
    assert "PUBLISHER_SECRET_WX_MAIN" in rows[0].reason and "2036" not in rows[0].reason
    assert "publisher unfreeze --account wx-main" in rows[0].fix
    ledger.resume_account("wx-main")
    ledger.pause_account("wx-main", datetime.now(UTC) + timedelta(hours=3), "已达到每日发布上限")
    row = status_rows(ledger, Settings().tz)[0]
    assert row.held and "暂停到" in row.reason and "自动恢复" in row.fix
    ledger.freeze("全国哀悼日", account_id="wx-main")
    row = status_rows(ledger, Settings().tz)[0]
    assert "已冻结（全国哀悼日）" in row.reason and row.fix.endswith("publisher unfreeze --account wx-main")
    assert State.SCHEDULED.value == row.state
