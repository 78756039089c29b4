"""Inspection against the national rules: a 僵尸号 from the ledger, stale/empty columns, broken
links and missing images in built site folders; exact codes, severities, vetoes, exit codes."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.matrix import load_matrix
from publisher.office.inspection import run_inspection, save_result
from publisher.office.inspection.links import check_links
from publisher.runtime.context import open_runtime
from publisher.settings import Settings
from tests.reports.history import (
    NOW,
    _entries,
    at,
    build_site_folder,
    history_workspace,
    write_page,
)

EXPECTED = [
    ("account-stale", "error", "wx-main"),
    ("column-stale", "error", "notice"),
    ("image-missing", "error", "/media/gone.jpg"),
    ("link-broken", "error", "/missing.html"),
    ("account-quiet", "warning", "wx-unit"),
    ("column-empty", "warning", "special"),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inspect")
    ledger, matrix, history, root, url = history_workspace(folder)
    site = build_site_folder(folder / "site")
    yield ledger, matrix, root, url, site
    ledger.close()


def test_findings_codes_severities_and_exit_code(workspace):
    ledger, matrix, _, _, site = workspace
    result = run_inspection(ledger, matrix, site, NOW)
    assert result.codes() == EXPECTED
    assert [f.subject for f in result.vetoes] == ["wx-main"]
    assert result.exit_code() == 1 and result.exit_code(strict=True) == 1
    stale = result.findings[0]
    assert stale.days == 15 and "15 天未更新" in stale.message and "僵尸号" in stale.message
    assert stale.rule == "依据《政府网站与政务新媒体检查指标》：监测时间点前 2 周内无更新（单项否决）"
    quiet = result.findings[4]
    assert quiet.days == 12 and "请在 2 天内发布" in quiet.message
    notice = result.findings[1]
    assert notice.days == 233 and "超过更新时限 180 天" in notice.message and "6 个月" in notice.rule
    image = result.findings[2]
    assert image.where == "/news/2026/12/b4.html" and "../../../media/gone.jpg" in image.message
    assert (result.accounts_checked, result.columns_checked, result.pages_checked) == (3, 4, 9)


def test_thirteen_days_later_the_account_is_only_quiet(workspace):
    ledger, matrix, _, _, site = workspace
    earlier = NOW - timedelta(days=4)  # wx-main then 11 days silent, wx-unit 8
    result = run_inspection(ledger, matrix, site, earlier)
    accounts = [c for c in result.codes() if c[0].startswith("account")]
    assert accounts == [("account-quiet", "warning", "wx-main")]
    assert result.vetoes == [] and result.exit_code() == 0
    assert result.exit_code(strict=True) == 1  # the broken link and image are still errors


def test_home_and_five_columns_veto(tmp_path):
    columns = "\n".join(
        f'[[columns]]\nid = "c{n}"\nname = "栏目{n}"\nkind = "news"\n' for n in range(10)
    )
    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text(
        f'timezone = "Asia/Shanghai"\n[site]\nbase_url = "https://www.example.gov.cn"\n{columns}', encoding="utf-8"
    )
    matrix = load_matrix(root)
    site = tmp_path / "site"
    old = at(11, 30)  # 20 days before NOW
    write_page(site, "/index.html", "首页", _entries([("c0/index.html", "旧闻", old)]))
    for n in range(5):
        write_page(site, f"/c{n}/index.html", f"栏目{n}", _entries([("../index.html", "旧闻", old)]))
    for n in range(5, 9):  # c9 has no page at all: empty too
        write_page(site, f"/c{n}/index.html", f"栏目{n}", '<p class="empty">本栏目暂无内容。</p>')
    (site / "static").mkdir()
    (site / "static" / "site.css").write_text("", encoding="utf-8")
    for folder in ("news", "notice", "policy", "special"):  # the shared menu points there
        write_page(site, f"/{folder}/index.html", folder, "")
    result = run_inspection(None, matrix, site, NOW)
    codes = result.codes()
    assert [c for c in codes if c[0] in ("home-stale", "columns-stale-veto", "columns-empty-veto")] == [
        ("home-stale", "error", "首页"),
        ("columns-stale-veto", "error", "网站"),
        ("columns-empty-veto", "error", "网站"),
    ]
    assert sorted(f.subject for f in result.findings if f.code == "column-stale") == [f"c{n}" for n in range(5)]
    assert sorted(f.subject for f in result.findings if f.code == "column-empty") == [f"c{n}" for n in range(5, 10)]
    assert len(result.vetoes) == 3 and result.exit_code() == 1
    assert not [f for f in result.findings if f.code in ("link-broken", "image-missing")]


def test_a_real_built_site_has_no_broken_links(tmp_path):
    """The builder's own output (menus, pagination, feeds, canonical URLs, srcset) must pass:
    a link check that cries wolf would be switched off."""
    from channels.site.builder import build_site

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "site_content"
    matrix = load_matrix(fixture)
    out = tmp_path / "site"
    build_site(fixture, matrix, out, now=NOW, state_dir=tmp_path / "state", workers=1)
    report = check_links(out, matrix)
    assert report.pages > 5 and report.links > 50
    assert report.findings == []
    picture = sorted((out / "media").rglob("*.*"))[0]
    picture.unlink()
    gone = "/" + picture.relative_to(out).as_posix()
    assert [(f.code, f.subject) for f in check_links(out, matrix).findings] == [("image-missing", gone)]


def test_cli_json_exit_code_and_saved_result(workspace, tmp_path, monkeypatch):
    _, _, root, url, site = workspace
    monkeypatch.setenv("PUBLISHER_DATABASE_URL", url)
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    args = ["inspect", "--content", str(root), "--site", str(site), "--now", "2026-12-20 10:00"]
    result = runner.invoke(app, [*args, "--format", "json", "--save"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert [(f["code"], f["severity"], f["subject"]) for f in data["findings"]] == EXPECTED
    saved = json.loads((tmp_path / "state" / "inspection" / "latest.json").read_text(encoding="utf-8"))
    assert saved["exit_code"] == 1 and len(saved["findings"]) == 6
    text = runner.invoke(app, [*args, "--no-site"])
    assert text.exit_code == 1 and "僵尸号" in text.output and "网站未检查" in text.output
    assert "/missing.html" not in text.output
    calm = runner.invoke(app, [*args[:-1], "2026-12-16 10:00", "--no-site"])
    assert calm.exit_code == 0, calm.output


def test_save_result_is_atomic_json(tmp_path, workspace):
    ledger, matrix, _, _, site = workspace
    path = save_result(run_inspection(ledger, matrix, site, NOW), tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["summary"].startswith("检查了 3 个账号")
    assert [p.name for p in path.parent.iterdir()] == ["latest.json"]


def test_the_celery_beat_steps_run_and_save(workspace, tmp_path, monkeypatch):
    """The worker's tasks, called in-process (no broker needed): inspection saves its result
    where the dashboard reads it; reach asks nobody when nothing recent went to WeChat/Weibo."""
    import workers.tasks

    _, _, root, url, site = workspace
    settings = Settings(database_url=url, content_dir=root, state_dir=tmp_path / "state")
    runtime = open_runtime(settings, shared="memory", clock=lambda: NOW)
    monkeypatch.setattr(workers.tasks, "_runtime", (os.getpid(), runtime))  # the worker's own, at NOW
    assert workers.tasks.inspect() == 1  # wx-main is a 僵尸号
    saved = json.loads((tmp_path / "state" / "inspection" / "latest.json").read_text(encoding="utf-8"))
    assert saved["site_checked"] is False and saved["findings"][0]["code"] == "account-stale"
    assert saved["checked_at"] == NOW.isoformat()
    # The history has no stored item versions: each row reports its error, none stops the step.
    assert workers.tasks.pull_reach() == 0
    runtime.ledger.close()
    # Beat's schedule is the scheduling loop's steps: intervals from the environment, 0 = off.
    from workers.app import REACH_TASK, create_app

    monkeypatch.setenv("PUBLISHER_REACH_SECONDS", "60")
    monkeypatch.setenv("PUBLISHER_INSPECT_SECONDS", "0")
    schedule = create_app(settings).conf.beat_schedule
    assert schedule["pull-reach"] == {"task": REACH_TASK, "schedule": 60, "options": {"expires": 60}}
    assert "inspect" not in schedule and {"dispatch-tick", "poll-status", "sync-content"} <= set(schedule)
