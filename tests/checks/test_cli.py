"""`publisher check` as an editor and a CI job run it: exit codes, JSON, --fix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.cli import app

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad_items"
runner = CliRunner()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CORPUS, root)
    return root


def run(*args: str):
    return runner.invoke(app, ["check", *args])


def test_clean_items_exit_0_with_a_chinese_summary(content: Path):
    result = run(str(content / "items/good"))
    assert result.exit_code == 0, result.output
    assert "检查了 3 个条目：0 个错误，0 个警告" in result.output


def test_errors_exit_1_and_are_grouped_by_file(content: Path):
    result = run("--content", str(content))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    header = lines.index("items/bad/secret-in-body/index.md")
    assert "20:5" in lines[header + 1] and "错误" in lines[header + 1] and "[secret-marker]" in lines[header + 1]
    assert lines[-1].startswith("检查了 46 个条目：")


def test_warnings_alone_exit_0(content: Path):
    result = run(str(content / "items/bad/preferred-wording"))
    assert result.exit_code == 0
    assert "建议：作为" in result.output


def test_json_output_is_parseable(content: Path):
    result = run(str(content / "items/bad/secret-in-body/index.md"), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["items_checked"] == 1
    assert data["errors"] == 1 and data["warnings"] == 0
    first = data["findings"][0]
    assert first == {
        "code": "secret-marker", "message": first["message"], "path": "items/bad/secret-in-body/index.md",
        "line": 20, "col": 5, "severity": "error", "suggestion": None,
    }


def test_missing_config_exits_2(tmp_path: Path):
    (tmp_path / "items").mkdir()
    result = run("--content", str(tmp_path))
    assert result.exit_code == 2
    assert "publisher.toml" in result.output


def test_broken_config_exits_2(content: Path):
    (content / "publisher.toml").write_text("[review\nstages = 1\n", encoding="utf-8")
    result = run("--content", str(content))
    assert result.exit_code == 2
    assert "TOML 语法错误" in result.output


def test_missing_path_and_bad_format_exit_2(content: Path):
    assert run("--content", str(content), str(content / "items/nope")).exit_code == 2
    assert run("--content", str(content), "--format", "xml").exit_code == 2


def test_path_outside_the_content_root_exits_2(content: Path, tmp_path: Path):
    stray = tmp_path / "stray"
    stray.mkdir()
    assert run("--content", str(content), str(stray)).exit_code == 2


def test_content_root_as_path_checks_everything(content: Path):
    data = json.loads(run(str(content), "--format", "json").output)
    assert data["items_checked"] == 46


def test_fix_rewrites_typography_bom_and_crlf_but_not_the_front_matter(content: Path):
    typo = content / "items/bad/typography/index.md"
    crlf = content / "items/bad/crlf/index.md"
    bom = content / "items/bad/bom/index.md"
    before = {p: p.read_bytes() for p in (typo, crlf, bom)}
    result = run(str(content / "items/bad"), "--fix", "--format", "json")
    data = json.loads(result.output)
    assert set(data["fixed"]) >= {"items/bad/typography/index.md", "items/bad/crlf/index.md", "items/bad/bom/index.md"}
    codes = {(f["path"], f["code"]) for f in data["findings"]}
    for path in ("typography", "crlf", "bom"):
        assert not any(p == f"items/bad/{path}/index.md" and c.startswith(("typography", "encoding-bom", "line-endings"))
                       for p, c in codes)

    fixed = typo.read_text(encoding="utf-8")
    old = before[typo].decode()
    head_len = old.index("---\n", 4) + 4
    assert fixed[:head_len] == old[:head_len]  # front matter bytes untouched
    assert fixed[head_len:] == old[head_len:].replace("通过APP办理,也", "通过 APP 办理，也")
    assert crlf.read_bytes() == before[crlf].replace(b"\r\n", b"\n")
    assert bom.read_bytes() == before[bom][3:]

    again = json.loads(run(str(content / "items/bad"), "--fix", "--format", "json").output)
    assert again["fixed"] == []  # idempotent


def test_fix_leaves_code_blocks_and_urls_alone(content: Path):
    item = content / "items/good/plain/index.md"
    text = item.read_text(encoding="utf-8")
    extra = (
        "\n中文English混排,句子。\n\n```python\nprint(\"中文,english\")\n```\n\n"
        "访问 https://www.gov.cn/zhengce,abc 查看，行内代码`中文,x`保持。\n"
    )
    item.write_text(text + extra, encoding="utf-8")
    result = run(str(item), "--fix")
    assert result.exit_code != 2 and "[typography" not in result.output, result.output
    fixed = item.read_text(encoding="utf-8")
    assert "中文 English 混排，句子。" in fixed
    assert 'print("中文,english")' in fixed
    assert "https://www.gov.cn/zhengce,abc" in fixed
    assert "`中文,x`" in fixed


def test_installed_command_runs_as_a_subprocess(content: Path):
    command = Path(sys.executable).parent / "publisher"
    assert command.exists(), "the `publisher` console script is not installed (pip install -e .)"
    result = subprocess.run(
        [str(command), "check", str(content / "items/bad/secret-in-title"), "--format", "json"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["code"] == "secret-marker"
