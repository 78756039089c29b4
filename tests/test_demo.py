"""`publisher demo` (what `make demo` runs) end to end on a copy of the sample content: every
due item goes out to the sandboxes and the site, nothing fails, and it says where to look."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from publisher.ledger import State, open_ledger

REPO = Path(__file__).resolve().parents[1]


def test_demo_publishes_the_due_sample_items(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    # A due item held back by the checks (no 复审/终审, a secret marking): never a page, any path.
    blocked = content / "items/2026/11/unsigned-extra"
    blocked.mkdir(parents=True)
    (blocked / "index.md").write_text(
        "---\ntitle: 未经签发的稿件\nauthor: 测试\ndepartment: 办公室\npublish_at: 2026-11-02 09:00\n"
        "targets:\n  site:\nreview:\n  - {stage: 初审, by: 吴海东, at: 2026-11-01 09:00}\n---\n\n"
        "机密★1年 会议内容。\n", encoding="utf-8")
    env = {**os.environ, "PUBLISHER_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "160"}
    env.pop("PUBLISHER_DATABASE_URL", None)
    with socket.socket() as busy:  # someone else holds the sandbox port: the demo says so, then goes on
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "publisher", "demo", "--content", str(content), "--no-serve", "--sandbox-port", str(port)],
            capture_output=True, text=True, env=env, timeout=300, check=False,
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"端口 {port} 已被其他程序占用，渠道沙箱无法使用它：请用 --sandbox-port 换一个端口（make demo SANDBOX_PORT=…）" in result.stdout
    # The README's figures are the ones the demo prints.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    items, errors, warnings = re.search(r"(\d+) 篇示例稿件，(\d+) 个错误、(\d+) 个警告", readme).groups()
    # (This run has one more item than the README's: the blocked one added above.)
    assert f"检查了 {int(items) + 1} 个条目：" in result.stdout and f"{warnings} 个警告" in result.stdout
    due, future = re.search(r"已到时间的 (\d+) 条发布.*未来的 (\d+) 条排期", readme).groups()
    assert f"已发布 {due}" in result.stdout and f"已排期 {future}" in result.stdout
    state = tmp_path / "state" / "demo"
    assert "去哪里看" in result.stdout and str(state) in result.stdout
    assert (state / "site" / "index.html").is_file()
    assert (state / "dashboard" / "index.html").is_file()
    # Step 7: one published item adopted by a provincial 政务信息; the quarter's 通报 shows it.
    (report,) = state.glob("信息报送通报-*.html")
    assert "上级采用 1 条" in result.stdout and f"季度通报（含上级采用、目标完成情况）：{report}" in result.stdout
    page = report.read_text(encoding="utf-8")
    assert "<th scope=\"col\">省级采用</th>" in page and "<h2>目标完成情况</h2>" in page  # the sample's targets
    assert len(list((state / "preview").glob("*.html"))) == 15
    assert not list((state / "site").rglob("unsigned-extra*"))
    assert "未经签发的稿件" not in (state / "site" / "index.html").read_text(encoding="utf-8")
    with open_ledger(f"sqlite:///{state / 'ledger.sqlite3'}") as ledger:
        rows = ledger.publications()
    states = {r.state for r in rows}
    assert State.PUBLISHED in states and not states & {State.FAILED, State.UNCONFIRMED, State.QUEUED, State.PUBLISHING}
    published = {(r.item_id, r.channel) for r in rows if r.state is State.PUBLISHED}
    assert {c for _, c in published} == {"wechat", "weibo", "site", "douyin"}
    # Future items stay scheduled; the draft never reaches the ledger.
    assert all(r.scheduled_at.year >= 2027 for r in rows if r.state is State.SCHEDULED)
    assert not any("director-interview" in r.item_id for r in rows)
    assert {r.state for r in rows if r.item_id.endswith("unsigned-extra")} == {State.BLOCKED}
