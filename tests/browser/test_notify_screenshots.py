"""Notifications as people see them, rendered in headless Chromium: the robot sandbox's page of
received group messages, and the daily digest mail's HTML part.

    python tests/browser/test_notify_screenshots.py      # rewrites docs/img/notify-*.png
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "notify"))
sys.path.insert(0, str(HERE.parent))

from headless_chromium import Chromium, chromium_or_skip  # noqa: E402
from notify_helpers import mail_target, robot_env, robot_targets, start_smtp  # noqa: E402
from test_notifier import MATRIX, make_events  # noqa: E402

from publisher.office.notify import notify_once  # noqa: E402
from publisher.office.notify.sandbox import start_robot_sandbox  # noqa: E402
from publisher.runtime.context import open_runtime  # noqa: E402
from publisher.settings import Settings  # noqa: E402

REPO = HERE.parents[1]


def render(folder: Path) -> tuple[bytes, bytes, str, str]:
    """(robot page PNG, digest mail PNG, robot page text, mail page text)."""
    os.environ.update(robot_env())
    robots = start_robot_sandbox()
    smtp = start_smtp("none", folder)
    smtp.box.on_mail = robots.app.record_mail
    try:
        content = folder / "content"
        content.mkdir(exist_ok=True)
        (content / "publisher.toml").write_text(
            MATRIX.format(targets=mail_target(smtp) + robot_targets(robots.url)), encoding="utf-8")  # fmt: skip
        runtime = open_runtime(Settings(state_dir=folder / "state", content_dir=content), shared="ledger",
                               clock=lambda: datetime.now(UTC))  # fmt: skip
        make_events(runtime)
        notify_once(runtime)
        digest = next(i for i, m in enumerate(robots.app.mails) if "发布日报" in m["subject"])
        with Chromium() as browser:
            page = browser.open(robots.url + "/", width=640, height=900)
            robot_png, robot_text = page.screenshot(), page.evaluate("document.body.innerText")
            assert not page.errors(), page.errors()
            page.close()
            page = browser.open(f"{robots.url}/mail/{digest}", width=760, height=620)
            mail_png, mail_text = page.screenshot(), page.evaluate("document.body.innerText")
            page.close()
        runtime.ledger.close()
        return robot_png, mail_png, robot_text, mail_text
    finally:
        robots.stop()
        smtp.stop()


def test_robot_messages_and_digest_render(tmp_path):
    chromium_or_skip()
    robot_png, mail_png, robot_text, mail_text = render(tmp_path)
    assert robot_png[:8] == b"\x89PNG\r\n\x1a\n" and mail_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "企业微信群机器人" in robot_text and "钉钉群机器人" in robot_text
    assert "稿件受阻：数据安全宣传周启动" in robot_text
    assert "publisher check items/2026/12/blocked" in robot_text
    assert "发布日报" in mail_text and "过去 24 小时已发布" in mail_text
    assert "publisher status --state failed" in mail_text


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        robot_png, mail_png, _, _ = render(Path(temp))
    (REPO / "docs" / "img" / "notify-robot.png").write_bytes(robot_png)
    (REPO / "docs" / "img" / "notify-mail-digest.png").write_bytes(mail_png)
    print("docs/img/notify-robot.png, docs/img/notify-mail-digest.png")
