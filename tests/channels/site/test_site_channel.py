"""SiteChannel as the scheduler uses it: render (pure), publish into a real output folder (page,
lists, feeds, sitemap, deploy), status, retract; deploy modes; `publisher site build`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from site_fixtures import FIXTURE_ROOT, NOW, copy_root, write_item
from typer.testing import CliRunner

from channels.base import RenderContext
from channels.errors import Rejected
from channels.registry import channel_class
from channels.site import SiteChannel
from channels.site.builder import build_site
from channels.site.config import SiteConfig
from channels.site.deploy import DeployError, deploy, mirror
from channels.site.publishing import retract_item
from publisher.content.loader import load_item
from publisher.content.matrix import Account, load_matrix
from publisher.render.images import ImageCache

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from channel_fixtures import LedgerLikeContext  # noqa: E402

SHARED_CACHE = ImageCache(Path(tempfile.mkdtemp(prefix="site-channel-images-")))


def channel(tmp_path: Path, **options) -> tuple[SiteChannel, object]:
    matrix = load_matrix(FIXTURE_ROOT)
    account = Account(id="portal", name="网站", channel="site", options={"out_dir": str(tmp_path / "site"), **options})
    return SiteChannel(account, RenderContext(matrix=matrix, image_cache=SHARED_CACHE)), matrix


def item(item_id: str):
    matrix = load_matrix(FIXTURE_ROOT)
    loaded, findings = load_item(FIXTURE_ROOT / "items" / item_id / "index.md", FIXTURE_ROOT, matrix)
    assert loaded is not None, findings
    return loaded


def test_registry_finds_the_site_channel():
    assert channel_class("site") is SiteChannel


def test_render_is_a_pure_rendition(tmp_path):
    site, _ = channel(tmp_path)
    first, second = site.render(item("2026/11/city-meeting")), site.render(item("2026/11/city-meeting"))
    assert first.content_hash == second.content_hash
    assert first.payload["path"] == "/news/2026/11/city-meeting.html"
    assert first.payload["url"] == "https://www.example.gov.cn/news/2026/11/city-meeting.html"
    assert first.payload["html"].startswith("<!DOCTYPE html>")
    assert {a.width for a in first.assets} >= {480, 960}
    assert not (tmp_path / "site").exists()  # rendering wrote nothing


def test_a_bad_item_renders_to_a_finding_and_is_rejected_at_publish(tmp_path):
    site, _ = channel(tmp_path)
    bad = item("2026/11/missing-image")
    rendition = site.render(bad)
    findings = site.check(bad, rendition)
    assert [f.code for f in findings] == ["site-render"] and "nowhere.jpg" in findings[0].message
    with pytest.raises(Rejected):
        site.publish(rendition, LedgerLikeContext())


def test_publish_status_and_retract_keep_every_list_in_step(tmp_path):
    site, _ = channel(tmp_path)
    out = tmp_path / "site"
    ctx = LedgerLikeContext()
    receipt = site.publish(site.render(item("2026/11/city-meeting")), ctx)
    assert receipt.url == "https://www.example.gov.cn/news/2026/11/city-meeting.html"
    assert ctx.phase_names() == ["written"]
    assert (out / "news/2026/11/city-meeting.html").is_file()
    for listing in ("index.html", "news/index.html", "feed.xml", "atom.xml", "news/atom.xml", "sitemap.xml"):
        assert "city-meeting" in (out / listing).read_text(), listing
    site.publish(site.render(item("2026/11/open-day")), LedgerLikeContext())
    assert "open-day" in (out / "news/index.html").read_text()
    assert site.status(receipt, ctx).state == "published"

    again = site.publish(site.render(item("2026/11/city-meeting")), LedgerLikeContext())  # a retry
    assert again.url == receipt.url

    site.retract(receipt, ctx)
    assert not (out / "news/2026/11/city-meeting.html").exists()
    assert not any((out / a.name).exists() for a in site.render(item("2026/11/city-meeting")).assets)
    for listing in ("index.html", "news/index.html", "feed.xml", "atom.xml", "news/atom.xml", "sitemap.xml"):
        assert "city-meeting" not in (out / listing).read_text(), listing
    assert "open-day" in (out / "news/index.html").read_text()
    assert site.status(receipt, ctx).state == "deleted"


def test_retract_after_a_full_build_updates_the_built_site(tmp_path, image_cache_dir):
    root = copy_root(FIXTURE_ROOT, tmp_path / "content")
    matrix = load_matrix(root)
    out = tmp_path / "site"
    build_site(root, matrix, out, now=NOW, image_dir=image_cache_dir)
    report = retract_item(out, matrix, "2026/11/holiday-notice")
    assert "/notice/2026/11/holiday-notice.html" in report.removed
    assert "holiday-notice" not in (out / "notice/index.html").read_text()
    assert "/news/index.html" not in report.written  # other columns untouched


def test_deploy_folder_mirrors_only_changes(tmp_path):
    source, target = tmp_path / "out", tmp_path / "www"
    (source / "a").mkdir(parents=True)
    (source / "index.html").write_text("首页")
    (source / "a/b.html").write_text("文章")
    assert mirror(source, target) == ["a/b.html", "index.html"]
    assert mirror(source, target) == []
    (source / "a/b.html").unlink()
    (source / "index.html").write_text("新首页")
    assert mirror(source, target) == ["a/b.html", "index.html"]
    assert not (target / "a").exists() and (target / "index.html").read_text() == "新首页"
    message = deploy(source, SiteConfig(deploy="folder", target=str(target)))
    assert "已同步" in message


def test_deploy_command_gets_the_folder_and_reports_failure(tmp_path):
    marker = tmp_path / "deployed.txt"
    script = tmp_path / "upload.sh"
    script.write_text(f'#!/bin/sh\nls "$1" > {marker}\n')
    script.chmod(0o755)
    (tmp_path / "out").mkdir()
    (tmp_path / "out/index.html").write_text("x")
    deploy(tmp_path / "out", SiteConfig(deploy="command", command=[str(script), "{out}"]))
    assert marker.read_text().strip() == "index.html"
    with pytest.raises(DeployError, match="退出码 3"):
        deploy(tmp_path / "out", SiteConfig(deploy="command", command=["sh", "-c", "echo 坏了 >&2; exit 3"]))
    with pytest.raises(DeployError, match="找不到部署命令"):
        deploy(tmp_path / "out", SiteConfig(deploy="command", command=["/nonexistent/deploy"]))


def test_site_config_requires_a_target_for_rsync():
    with pytest.raises(ValueError, match="target"):
        SiteConfig(deploy="rsync")


def test_cli_site_build(tmp_path, monkeypatch, image_cache_dir):
    from publisher.cli import app

    root = copy_root(FIXTURE_ROOT, tmp_path / "content")
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state/cache").mkdir(parents=True)
    (tmp_path / "state/cache/images").symlink_to(image_cache_dir)  # the session's prepared images
    out = tmp_path / "www"
    # The file-based build is the local preview (the real site comes from the ledger: tests/test_site_path.py).
    command = ["site", "build", "--preview", "--content", str(root), "--out", str(out), "--now", "2026-12-01 09:00"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "本地预览已生成" in result.output and "未通过检查" in result.output
    # The fixture items carry no sign-offs: blocked items have no page, not even in a preview.
    assert (out / "index.html").is_file() and not (out / "news/2026/11/city-meeting.html").exists()
    again = CliRunner().invoke(app, command)
    assert "写入 0 个文件" in again.output


def test_a_picture_shared_by_two_articles_stays_until_both_are_retracted(tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    (root / "publisher.toml").write_text((FIXTURE_ROOT / "publisher.toml").read_text(), encoding="utf-8")
    photo = (FIXTURE_ROOT / "items/2026/10/survey/team.jpg").read_bytes()
    for name in ("first", "second"):
        write_item(root, f"2026/11/{name}", f"title: {name}\nauthor: 甲\ndepartment: 办公室\npublish_at: 2026-11-02 09:00",
                   "![同一张照片](team.jpg)\n", {"team.jpg": photo})
    matrix = load_matrix(root)
    account = Account(id="portal", name="网站", channel="site", options={"out_dir": str(tmp_path / "site")})
    site = SiteChannel(account, RenderContext(matrix=matrix, image_cache=SHARED_CACHE))
    loaded = {n: load_item(root / f"items/2026/11/{n}/index.md", root, matrix)[0] for n in ("first", "second")}
    renditions = {n: site.render(it) for n, it in loaded.items()}
    assert [a.name for a in renditions["first"].assets] == [a.name for a in renditions["second"].assets]
    receipts = {n: site.publish(r, LedgerLikeContext()) for n, r in renditions.items()}
    pictures = [tmp_path / "site" / a.name for a in renditions["first"].assets]
    site.retract(receipts["first"], LedgerLikeContext())
    assert all(p.is_file() for p in pictures)
    site.retract(receipts["second"], LedgerLikeContext())
    assert not any(p.exists() for p in pictures)
