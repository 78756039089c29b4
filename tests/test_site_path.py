"""One answer to "what is on the site" (DESIGN decision 8): pages are exactly the site account's
publications the ledger holds as published. Blocked (sign-offs, secret markings, sensitive words),
frozen, retracted and expired items never get a page, under `run`, `publish --now`, `site build`
(and its deploy) or the demo; the file-based preview cannot deploy."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from publish_fixtures import MATRIX_HEAD, SIGNED_REVIEW
from typer.testing import CliRunner

from publisher.cli import app
from publisher.ledger import open_ledger

TZ = ZoneInfo("Asia/Shanghai")
runner = CliRunner()

MATRIX = MATRIX_HEAD + """
[[accounts]]
id = "portal"
name = "测试门户网站"
channel = "site"
default = true
[accounts.options]
out_dir = "{out}"
deploy = "folder"
target = "{www}"

[review]
stages = ["初审", "复审", "终审"]
{review_extra}

[words]
secret_markers = ["绝密★"]
sensitive = [{{ word = "XXX", severity = "error", note = "模板占位符未替换" }}]
"""


# A plain folder: sign-offs are taken as written (the git-bound rules have their own tests).
REVIEW_EXTRA = 'verify = "none"'

SIGNED = SIGNED_REVIEW
UNSIGNED = """\
review:
  - {stage: 初审, by: 周敏, at: "2026-11-01 09:00"}
"""


def item(title: str, publish_at: datetime, *, review: str = SIGNED, body: str = "会议强调，要扎实推进各项工作。",
         expire_at: datetime | None = None) -> str:
    expire = f'expire_at: "{expire_at:%Y-%m-%d %H:%M}"\n' if expire_at else ""
    return (f'---\ntitle: "{title}"\nauthor: 测试作者\ndepartment: 办公室\n'
            f'publish_at: "{publish_at:%Y-%m-%d %H:%M}"\n{expire}{review}---\n\n{body}\n')


@pytest.fixture
def site_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root, out, www = tmp_path / "content", tmp_path / "out", tmp_path / "www"
    root.mkdir()
    (root / "publisher.toml").write_text(MATRIX.format(out=out, www=www, review_extra=REVIEW_EXTRA), encoding="utf-8")
    for key, value in {
        "PUBLISHER_CONTENT_DIR": str(root), "PUBLISHER_STATE_DIR": str(tmp_path / "state"),
        "PUBLISHER_EXECUTOR": "local", "PUBLISHER_POLL_SECONDS": "0.2", "PUBLISHER_USE_GIT": "false",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PUBLISHER_DATABASE_URL", raising=False)
    return tmp_path


def write(root: Path, item_id: str, text: str) -> None:
    folder = root / "items" / item_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.md").write_text(text, encoding="utf-8")


def pages(folder: Path) -> set[str]:
    """Article pages (not lists) found in a built or deployed folder, by item slug."""
    found = set()
    for page in folder.rglob("*.html"):
        name = page.stem
        if name.startswith("item-"):
            found.add(name)
    return found


def cli(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_blocked_retracted_expired_and_frozen_items_never_get_a_page_by_any_path(site_workspace):
    tmp = site_workspace
    root, out, www = tmp / "content", tmp / "out", tmp / "www"
    now = datetime.now(TZ)
    past = now - timedelta(hours=2)
    write(root, "2026/11/item-good", item("正常稿件", past))
    write(root, "2026/11/item-kept", item("另一篇正常稿件", past))
    write(root, "2026/11/item-unsigned", item("缺少签发的稿件", past, review=UNSIGNED))
    write(root, "2026/11/item-secret", item("含密级标志的稿件", past, body="本文件为绝密★长期，请妥善保管。"))
    write(root, "2026/11/item-placeholder", item("含占位符的稿件", past, body="XXX同志出席会议并讲话。"))
    write(root, "2026/11/item-expiring", item("即将下线的稿件", past, expire_at=now + timedelta(days=1)))
    write(root, "2026/11/item-future", item("定时稿件", now + timedelta(days=3)))
    write(root, "2026/11/item-future-unsigned", item("未签发的定时稿件", now + timedelta(days=3), review=UNSIGNED))

    # run: only what passes every check goes out (and the adapter deploys each page).
    result = cli("run", "--once")
    assert result.exit_code == 0, result.output
    live = {"item-good", "item-kept", "item-expiring"}
    assert pages(out) == live and pages(www) == live

    # publish --now: a blocked item cannot be brought forward; a signed one can.
    refused = cli("publish", "2026/11/item-future-unsigned", "--now")
    assert refused.exit_code != 0
    assert cli("publish", "2026/11/item-future", "--now").exit_code == 0
    live.add("item-future")
    assert pages(out) == live and pages(www) == live

    # site build: the ledger's answer, with or without an old file-based build lying around.
    (out / "news/2026/11").mkdir(parents=True, exist_ok=True)
    result = cli("site", "build", "--deploy")
    assert result.exit_code == 0, result.output
    assert "网站已按发布台账生成" in result.output
    assert pages(out) == live and pages(www) == live

    # retract: gone from the site, and a rebuild does not bring it back.
    assert cli("retract", "2026/11/item-kept", "--yes").exit_code == 0
    live.discard("item-kept")
    assert cli("site", "build", "--deploy").exit_code == 0
    assert pages(out) == live and pages(www) == live

    # expiry: a rebuild after the item's expire_at leaves it out.
    later = (now + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    assert cli("site", "build", "--deploy", "--now", later).exit_code == 0
    assert pages(out) == live - {"item-expiring"} and pages(www) == live - {"item-expiring"}
    assert cli("site", "build", "--deploy").exit_code == 0
    assert pages(www) == live

    # freeze: an item due during the freeze is not published, not built, and nothing deploys.
    assert cli("freeze", "--reason", "全国哀悼日").exit_code == 0
    write(root, "2026/11/item-during-freeze", item("停发期间到期的稿件", past))
    assert cli("run", "--once").exit_code == 0
    refused = cli("site", "build", "--deploy")
    assert refused.exit_code != 0 and "停发" in refused.output
    assert "item-during-freeze" not in pages(out) | pages(www)
    assert cli("unfreeze").exit_code == 0

    with open_ledger(f"sqlite:///{tmp / 'state' / 'ledger.sqlite3'}") as ledger:
        states = {r.item_id.rsplit("/", 1)[-1]: r.state.value for r in ledger.publications()}
    for blocked in ("item-unsigned", "item-secret", "item-placeholder", "item-future-unsigned"):
        assert states[blocked] == "blocked", states


def test_preview_reads_files_skips_blocked_items_and_cannot_deploy(site_workspace):
    tmp = site_workspace
    root = tmp / "content"
    past = datetime.now(TZ) - timedelta(hours=2)
    write(root, "2026/11/item-good", item("正常稿件", past))
    write(root, "2026/11/item-unsigned", item("缺少签发的稿件", past, review=UNSIGNED))
    refused = cli("site", "build", "--preview", "--deploy")
    assert refused.exit_code != 0 and "不能部署" in refused.output
    result = cli("site", "build", "--preview")
    assert result.exit_code == 0, result.output
    assert "本地预览" in result.output and "1 个条目未通过检查" in result.output
    preview = tmp / "state" / "site-preview"
    assert pages(preview) == {"item-good"}
    # Nothing was published: the real site (from the ledger) has no article at all.
    assert cli("site", "build").exit_code == 0
    assert pages(tmp / "out") == set() and not (tmp / "www").exists()
