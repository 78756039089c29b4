"""Config validation of the matrix's accounts (issue 13: `channel = "douyin"` with no such plugin
was accepted and `accounts --check` passed it): an unknown channel, a duplicate account id and
a bad base URL are config errors with `publisher.toml:line`, and `accounts --check` fails."""

from __future__ import annotations

import json
import re

import pytest
from publish_fixtures import write_content
from typer.testing import CliRunner

from publisher.cli import app
from publisher.content.matrix import MatrixError, load_matrix
from publisher.runtime.matrix_check import account_problems

UNKNOWN = """
[[accounts]]
id = "short-video"
name = "短视频号"
channel = "toutiao"
"""


def _run(args, root, tmp_path):
    env = {"PUBLISHER_STATE_DIR": str(tmp_path / "state"), "PUBLISHER_SECRET_WX_MAIN": "sandbox-secret",
           "COLUMNS": "200"}  # fmt: skip
    return CliRunner().invoke(app, [*args, "--content", str(root)], env=env)


def _line_of(root, pattern: str) -> int:
    lines = (root / "publisher.toml").read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if re.search(pattern, line))


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "content"
    write_content(root, 1, "http://127.0.0.1:9", channels=("wechat",))
    return root


def _append(root, text: str) -> None:
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("\n[review]", text + "\n[review]"), encoding="utf-8")


def test_an_account_on_a_channel_that_is_not_installed_is_a_config_error(root, tmp_path):
    _append(root, UNKNOWN)
    line = _line_of(root, r'^channel = "toutiao"')
    problems = account_problems(root, load_matrix(root))
    assert [(p.code, p.line) for p in problems] == [("config-unknown-channel", line)]
    assert "toutiao" in problems[0].message and "wechat" in problems[0].message  # what is installed

    checked = _run(["accounts", "--check"], root, tmp_path)
    assert checked.exit_code == 2, checked.output
    assert f"publisher.toml:{line}: 配置错误 [config-unknown-channel]" in checked.output
    assert "账号“short-video”的渠道无法使用" in checked.output
    listed = _run(["accounts", "--format", "json"], root, tmp_path)
    assert listed.exit_code == 2
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows["short-video"]["ok"] is False and "toutiao" in rows["short-video"]["detail"]


def test_a_bad_base_url_is_a_config_error_with_its_line(root, tmp_path):
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'base_url = "http://127.0.0.1:9/wechat"', 'base_url = "api.weixin.qq.com/cgi-bin"'), encoding="utf-8")  # fmt: skip
    line = _line_of(root, r'^base_url = "api\.weixin')
    problems = account_problems(root, load_matrix(root))
    assert [(p.code, p.line) for p in problems] == [("config-account-bad-value", line)]
    assert "http://" in problems[0].message and "base_url" in problems[0].message
    checked = _run(["accounts", "--check"], root, tmp_path)
    assert checked.exit_code == 2 and f"publisher.toml:{line}: 配置错误" in checked.output


@pytest.mark.parametrize("url", ["ftp://example.gov.cn", "http://", "https://exa mple.gov.cn", "not a url"])
def test_base_urls_must_be_http_urls(root, url):
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("http://127.0.0.1:9/wechat", url), encoding="utf-8")
    assert [p.code for p in account_problems(root, load_matrix(root))] == ["config-account-bad-value"]


def test_a_duplicate_account_id_is_a_config_error_at_the_second_one(root, tmp_path):
    _append(root, UNKNOWN.replace('id = "short-video"', 'id = "wx-main"').replace('"toutiao"', '"wechat"'))
    second = [i for i, ln in enumerate((root / "publisher.toml").read_text().split("\n"), 1) if ln == 'id = "wx-main"'][1]
    with pytest.raises(MatrixError) as caught:
        load_matrix(root)
    assert [(f.code, f.line) for f in caught.value.findings] == [("config-duplicate-id", second)]
    assert "wx-main" in caught.value.findings[0].message
    checked = _run(["accounts", "--check"], root, tmp_path)
    assert checked.exit_code == 2 and f"publisher.toml:{second}: 配置错误 [config-duplicate-id]" in checked.output


def test_a_valid_matrix_has_no_account_problems(root):
    assert account_problems(root, load_matrix(root)) == []
