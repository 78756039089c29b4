"""`publisher archive`: a quarter's publications archived from a real ledger after a real
`run --once` (WeChat and Weibo sandboxes, the website), verified, tampered with, rebuilt."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from archive_fixtures import APP_SECRET, SECRETS, TZ, published_quarter, run_cli
from checks.signoff_repo import require_ssh_keygen

from channels.sandbox_faults import FaultSettings
from channels.sandbox_server import start_sandbox
from channels.wechat.sandbox import WeChatSandboxConfig

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    keygen = require_ssh_keygen()
    base = tmp_path_factory.mktemp("archive")
    sandbox = start_sandbox(port=0, wechat_config=WeChatSandboxConfig(publish_delay_seconds=0.1, secret=APP_SECRET), faults=FaultSettings())
    try:
        world = published_quarter(base, keygen, sandbox.url)
        result = run_cli(world.env, "run", "--once")
        assert result.exit_code == 0, result.output
        built = run_cli(world.env, "archive", "--quarter", world.quarter(), "--out", str(base / "archive"))
        assert built.exit_code == 0, built.output
        yield world, built
    finally:
        sandbox.stop()


def test_archive_holds_every_publication_with_its_files_signoffs_and_trail(published):
    world, built = published
    folder = world.base / "archive"
    assert "已归档" in built.output and "6 次发布" in built.output, built.output
    document = json.loads((folder / "archive.json").read_text(encoding="utf-8"))
    assert document["period"]["code"] == world.quarter()
    versions = document["versions"]
    assert sorted(v["item_id"] for v in versions) == sorted(world.item_ids)
    for version in versions:
        assert {p["account_id"] for p in version["publications"]} == {"wx-main", "wb-main", "portal"}
        assert version["commit"] and len(version["commit"]) == 40
        # Sign-offs: each by its registered reviewer, in a commit git verified as signed by them.
        assert [(s["stage"], s["by"], s["verdict"]) for s in version["signoffs"]] == [
            ("初审", "周敏", "通过"), ("复审", "陈立群", "通过"), ("终审", "刘振华", "通过")]
        for signoff in version["signoffs"]:
            assert signoff["signature"].startswith("签名有效"), signoff
            assert signoff["approved_digest"] == version["reader_digest"] and signoff["matches_version"] is True
        for pub in version["publications"]:
            assert pub["rendition_check"].startswith("与账本记录的发送内容一致"), pub
            names = {f["name"] for f in pub["files"]}
            assert "payload.json" in names
            for entry in pub["files"]:
                assert (folder / entry["path"]).is_file()
        by_account = {p["account_id"]: p for p in version["publications"]}
        wechat = {f["name"]: f for f in by_account["wx-main"]["files"]}
        assert "content.html" in wechat and any(f["label"] == "封面图片" for f in wechat.values())
        body = (folder / wechat["content.html"]["path"]).read_text(encoding="utf-8")
        assert version["title"] not in body and "会议指出" in body  # the body as sent
        assert "text.txt" in {f["name"] for f in by_account["wb-main"]["files"]}
        page = next(f for f in by_account["portal"]["files"] if f["name"] == "page.html")
        assert version["title"] in (folder / page["path"]).read_text(encoding="utf-8")
        vdir = folder / version["folder"]
        assert (vdir / "source" / "index.md").read_text(encoding="utf-8").count("stage:") == 3
        trail = (vdir / "audit.txt").read_text(encoding="utf-8")
        assert "已在 测试公众号（wx-main） 发布成功" in trail and "开始向 测试微博（wb-main） 发布" in trail
        rows = json.loads((vdir / "audit.json").read_text(encoding="utf-8"))
        assert {r["event"] for r in rows} >= {"create", "claim", "start", "published"}


def test_verify_passes_on_the_archive_as_built(published):
    world, _ = published
    result = run_cli(world.env, "archive", "verify", str(world.base / "archive"))
    assert result.exit_code == 0, result.output
    assert "归档完整" in result.output and "SHA-256 校验全部通过" in result.output


def _copy(world, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(world.base / "archive", target)
    return target


def test_one_changed_byte_is_named(published, tmp_path):
    world, _ = published
    folder = _copy(world, tmp_path)
    victim = next(p for p in sorted(folder.rglob("*.jpg")))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    result = run_cli(world.env, "archive", "verify", str(folder))
    assert result.exit_code == 1
    name = victim.relative_to(folder).as_posix()
    assert f"已改动：{name}" in result.output
    assert result.output.count("已改动") == 1 and "缺失" not in result.output.split("\n", 1)[1]


def test_a_deleted_and_an_extra_file_are_named(published, tmp_path):
    world, _ = published
    folder = _copy(world, tmp_path)
    gone = next(folder.rglob("text.txt"))
    gone.unlink()
    (folder / "items" / "备注.txt").write_text("后来放进来的文件", encoding="utf-8")
    result = run_cli(world.env, "archive", "verify", str(folder))
    assert result.exit_code == 1
    assert f"缺失：{gone.relative_to(folder).as_posix()}" in result.output
    assert "多出：items/备注.txt" in result.output


def test_a_changed_manifest_is_named(published, tmp_path):
    world, _ = published
    folder = _copy(world, tmp_path)
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"size"', '"size" ', 1), encoding="utf-8")
    result = run_cli(world.env, "archive", "verify", str(folder))
    assert result.exit_code == 1 and "已改动：manifest.json" in result.output


def test_rebuilding_gives_the_same_bytes_and_may_replace_its_own_earlier_archive(published, tmp_path):
    world, _ = published
    again = tmp_path / "again"
    assert run_cli(world.env, "archive", "--quarter", world.quarter(), "--out", str(again)).exit_code == 0
    first = world.base / "archive"
    assert (again / "manifest.json").read_bytes() == (first / "manifest.json").read_bytes()
    assert (again / "index.html").read_bytes() == (first / "index.html").read_bytes()
    # Over its own earlier archive of the same period: allowed, same bytes.
    result = run_cli(world.env, "archive", "--quarter", world.quarter(), "--out", str(again))
    assert result.exit_code == 0, result.output
    assert (again / "SHA256SUMS").read_bytes() == (first / "SHA256SUMS").read_bytes()


def test_refuses_a_folder_that_is_not_an_archive_of_the_same_period(published, tmp_path):
    world, _ = published
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "报告.docx").write_bytes(b"not ours")
    result = run_cli(world.env, "archive", "--quarter", world.quarter(), "--out", str(busy))
    assert result.exit_code == 2 and "不是空目录，也不是之前生成的归档" in result.output
    assert sorted(p.name for p in busy.iterdir()) == ["报告.docx"]
    other = "2020Q1"
    result = run_cli(world.env, "archive", "--quarter", other, "--out", str(world.base / "archive"))
    assert result.exit_code == 2 and f"已是另一期间（{world.quarter()}）的归档" in result.output
    assert run_cli(world.env, "archive", "verify", str(world.base / "archive")).exit_code == 0


def test_no_secret_in_any_archived_byte(published):
    world, _ = published
    values = {v.encode() for v in SECRETS.values()}
    files = [p for p in (world.base / "archive").rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        assert not [v for v in values if v in data], path
    assert b"access_token" not in b"".join(p.read_bytes() for p in files if p.suffix == ".json")


def test_a_known_secret_in_the_content_stops_the_archive_before_anything_is_written(published, tmp_path):
    world, _ = published
    # As if an editor had pasted a token into an item: the guard finds it, names the file only.
    leaked = "是推进数字政府建设的重要基础"
    env = {**world.env, "PUBLISHER_SECRET_LEAKED": leaked}
    out = tmp_path / "leak"
    result = run_cli(env, "archive", "--quarter", world.quarter(), "--out", str(out))
    assert result.exit_code == 2
    assert "中含有账号密钥或令牌，已停止归档（未写入任何文件）" in result.output and leaked not in result.output
    assert not out.exists()


@pytest.mark.parametrize(("args", "sentence"), [
    ((), "请用 --quarter（如 2026Q4）、--year（如 2026）或 --from 与 --to"),
    (("--quarter", "2026Q5"), "无法识别的季度“2026Q5”"),
    (("--year", "26"), "无法识别的年份“26”"),
    (("--from", "2026-10-01"), "--from 与 --to 须同时给出"),
    (("--from", "2026-12-31", "--to", "2026-10-01"), "--to（2026-10-01）早于 --from（2026-12-31）"),
    (("--quarter", "2026Q4", "--year", "2026"), "中的一种指定归档期间"),
])
def test_a_period_it_cannot_understand_gets_a_sentence(args, sentence, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli({}, "archive", *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and sentence in result.output, result.output


def test_year_and_day_ranges_cover_the_same_publications(published, tmp_path):
    world, _ = published
    year = world.quarter()[:4]
    by_year = run_cli(world.env, "archive", "--year", year, "--out", str(tmp_path / "year"))
    assert by_year.exit_code == 0 and "6 次发布" in by_year.output
    by_days = run_cli(world.env, "archive", "--from", "2000-01-01", "--to", "2000-12-31", "--out", str(tmp_path / "empty"))
    assert by_days.exit_code == 0 and "0 次发布" in by_days.output
    assert "本期间内没有发布记录" in (tmp_path / "empty" / "index.html").read_text(encoding="utf-8")
    assert run_cli(world.env, "archive", "verify", str(tmp_path / "empty")).exit_code == 0


def test_a_plain_folder_and_a_cleaned_state_folder_are_archived_with_what_is_known(tmp_path):
    """Sign-offs of a trial repo (verify = "none") are archived as written, marked 未核验; when the
    stored versions are gone, the publications are still archived and the gap is named."""
    from publish_fixtures import write_content

    root = tmp_path / "content"
    write_content(root, 1, "http://127.0.0.1:9", channels=())
    (root / "publisher.toml").write_text((root / "publisher.toml").read_text(encoding="utf-8") + SITE_ONLY.format(
        out=tmp_path / "site"), encoding="utf-8")
    env = {"PUBLISHER_CONTENT_DIR": str(root), "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
           "PUBLISHER_EXECUTOR": "local", "PUBLISHER_USE_GIT": "false"}
    assert run_cli(env, "run", "--once").exit_code == 0
    now = datetime.now(TZ)
    code = f"{now.year}Q{(now.month - 1) // 3 + 1}"
    built = run_cli(env, "archive", "--quarter", code, "--out", str(tmp_path / "a"))
    assert built.exit_code == 0 and "1 次发布" in built.output, built.output
    [version] = json.loads((tmp_path / "a" / "archive.json").read_text(encoding="utf-8"))["versions"]
    assert {s["verdict"] for s in version["signoffs"]} == {"未核验"}
    assert "verify = \"none\"" in version["signoffs"][0]["signature"]

    shutil.rmtree(tmp_path / "state" / "versions")
    built = run_cli(env, "archive", "--quarter", code, "--out", str(tmp_path / "b"))
    assert built.exit_code == 0, built.output
    assert "注意：" in built.output and "发布内容无法还原" in built.output
    [version] = json.loads((tmp_path / "b" / "archive.json").read_text(encoding="utf-8"))["versions"]
    assert version["problem"].startswith("存档版本无法读取") and version["publications"][0]["files"] == []
    assert run_cli(env, "archive", "verify", str(tmp_path / "b")).exit_code == 0


SITE_ONLY = """
[[accounts]]
id = "portal"
name = "测试门户网站"
channel = "site"
[accounts.options]
out_dir = "{out}"
"""
