"""Which accounts an item goes to, the channel objects that render it, and `publisher render`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.loader import load_item
from publisher.content.matrix import Account, load_matrix
from publisher.content.targets import targets_for
from publisher.render.renditions import RenderingError, channel_for, render_item

ROOT = Path(__file__).resolve().parent / "fixtures" / "render_content"


def item_with_targets(tmp_path: Path, targets: str | None):
    folder = tmp_path / "items" / "2026" / "11" / "t"
    folder.mkdir(parents=True)
    (tmp_path / "publisher.toml").write_text((ROOT / "publisher.toml").read_text("utf-8"), "utf-8")
    front = "title: 标题\nauthor: 作者\ndepartment: 处\npublish_at: 2026-11-20 09:00\n"
    if targets is not None:
        front += targets
    (folder / "index.md").write_text(f"---\n{front}---\n正文。\n", "utf-8")
    matrix = load_matrix(tmp_path)
    item, findings = load_item(folder / "index.md", tmp_path, matrix)
    assert item is not None, findings
    return item, matrix


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (None, ["wx-main", "wb-main", "portal"]),  # every default account
        ("targets:\n  wechat:\n", ["wx-main"]),  # that channel's default accounts
        ("targets:\n  wechat:\n    title: 短\n  weibo:\n", ["wx-main", "wb-main"]),
        ("targets:\n  wechat:\n    accounts: [wx-red]\n", ["wx-red"]),  # named, even if not default
        ("targets:\n  wechat:\n    accounts: [wx-red, wx-main, nobody, wb-main]\n", ["wx-main", "wx-red"]),
        ("targets:\n  weibo:\n  site:\n", ["wb-main", "portal"]),
        ("targets: {}\n", []),
    ],
)
def test_targets_for(tmp_path, targets, expected):
    item, matrix = item_with_targets(tmp_path, targets)
    assert [a.id for a in targets_for(item, matrix)] == expected


def test_channel_errors_are_sentences(tmp_path):
    item, matrix = item_with_targets(tmp_path, None)
    with pytest.raises(RenderingError, match="渠道“fax”不可用"):
        channel_for(Account(id="f", name="传真", channel="fax"), matrix)
    broken = Account(id="wx-bad", name="坏设置", channel="wechat", options={"appid": "x", "colour": "red"})
    with pytest.raises(RenderingError, match="wx-bad.*colour"):
        render_item(item, matrix, broken)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(ROOT))
    return CliRunner()


def test_render_wechat_writes_payload_content_and_images(cli, tmp_path):
    out = tmp_path / "wx"
    result = cli.invoke(app, ["render", "2026/11/full-article", "--channel", "wechat", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads((out / "payload.json").read_text("utf-8"))
    assert payload["title"] == "市数据局部署四季度数据工作"
    assert (out / "content.html").read_text("utf-8") == payload["content"]
    for name in (payload["cover"], payload["thumb"]):
        assert (out / name).is_file()
    body_images = sorted(p.name for p in (out / "images").iterdir())
    assert len(body_images) == 2 and all(f"asset:images/{n}" in payload["content"] for n in body_images)


def test_render_weibo_with_errors_exits_1(cli, tmp_path):
    out = tmp_path / "wb"
    result = cli.invoke(app, ["render", str(ROOT / "items/2026/11/no-cover"), "--channel", "weibo",
                              "--account", "wb-main", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "超出 140 字上限 28 字" in result.output
    text = (out / "text.txt").read_text("utf-8")
    assert text.rstrip("\n") == json.loads((out / "payload.json").read_text("utf-8"))["text"]


def test_render_refuses_a_wrong_account_or_item(cli, tmp_path):
    result = cli.invoke(app, ["render", "2026/11/full-article", "--channel", "weibo", "--account", "wx-main",
                              "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and not (tmp_path / "x").exists()
    result = cli.invoke(app, ["render", "2026/11/nope", "--channel", "wechat", "--out", str(tmp_path / "y")])
    assert result.exit_code == 2
