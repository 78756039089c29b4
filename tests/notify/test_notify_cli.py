"""`publisher notify test|run|status` as an operator runs them (80 columns)."""

from __future__ import annotations

from notify_helpers import mail_target, robot_targets
from typer.testing import CliRunner

from publisher.cli import app

MATRIX = """\
timezone = "Asia/Shanghai"

[[accounts]]
id = "wx-main"
name = "测试公众号"
channel = "wechat"
{targets}
"""


def setup_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(tmp_path / "content"))
    monkeypatch.setenv("COLUMNS", "80")
    return CliRunner()


def setup(tmp_path, monkeypatch, targets: str):
    content = tmp_path / "content"
    content.mkdir()
    (content / "publisher.toml").write_text(MATRIX.format(targets=targets), encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(content))
    monkeypatch.setenv("COLUMNS", "80")
    return CliRunner()


def test_notify_test_reaches_every_target(tmp_path, monkeypatch, robots, smtp_factory, secrets):
    smtp = smtp_factory("ssl")
    runner = setup(tmp_path, monkeypatch, mail_target(smtp) + robot_targets(robots.url))
    result = runner.invoke(app, ["notify", "test"])
    assert result.exit_code == 0, result.output
    assert "已发送 办公室邮箱（email）" in result.output
    assert "已发送 值班群（企业微信）（wecom）" in result.output
    assert "已发送 值班群（钉钉）（dingtalk）" in result.output
    assert len(smtp.box.received) == 1 and smtp.box.received[0].subject == "【发布提醒】通知测试"
    assert sorted(m["robot"] for m in robots.app.messages) == ["dingtalk", "wecom"]


def test_notify_test_says_which_target_failed_and_why(tmp_path, monkeypatch, robots, secrets):
    monkeypatch.delenv("PUBLISHER_SECRET_DUTY_DINGTALK_TOKEN")
    runner = setup(tmp_path, monkeypatch, robot_targets(robots.url))
    result = runner.invoke(app, ["notify", "test"])
    assert result.exit_code == 1
    assert "已发送 值班群（企业微信）（wecom）" in result.output
    assert "发送失败 值班群（钉钉）（dingtalk）：通知对象 duty-dingtalk 缺少密钥" in result.output
    assert "PUBLISHER_SECRET_DUTY_DINGTALK_TOKEN" in result.output


def test_notify_test_without_targets(tmp_path, monkeypatch):
    runner = setup(tmp_path, monkeypatch, "")
    result = runner.invoke(app, ["notify", "test"])
    assert result.exit_code == 2
    assert "没有配置通知对象" in result.output


def test_notify_run_then_status(tmp_path, monkeypatch, robots, secrets):
    runner = setup(tmp_path, monkeypatch, robot_targets(robots.url))
    assert runner.invoke(app, ["freeze", "--reason", "全国哀悼日"]).exit_code == 0
    monkeypatch.setenv("PUBLISHER_SECRET_DUTY_WECOM_KEY", "wrong-key")
    result = runner.invoke(app, ["notify", "run", "--ticks", "2", "--interval", "0"])
    assert result.exit_code == 0, result.output
    assert "已发送" in result.output and "发送失败" in result.output
    status = runner.invoke(app, ["notify", "status"])
    assert status.exit_code == 0, status.output
    assert "等待发送" in status.output and "已发送" in status.output
    assert "duty-wecom：冻结与解冻「已冻结发布：全部账号」" in status.output
    assert "93000" in status.output and "wrong-key" not in status.output


def test_run_once_tells_the_group_after_publishing(tmp_path, monkeypatch, robots, secrets):
    from publish_fixtures import SECRET_ENV, write_content

    from channels.sandbox_faults import FaultSettings
    from channels.sandbox_server import start_sandbox

    channels = start_sandbox(port=0, faults=FaultSettings())
    try:
        for key, value in SECRET_ENV.items():
            monkeypatch.setenv(key, value)
        content = tmp_path / "content"
        write_content(content, 1, channels.url, channels=("weibo",))
        config = content / "publisher.toml"
        config.write_text(config.read_text(encoding="utf-8") + robot_targets(robots.url), encoding="utf-8")
        channels.weibo.expired.add("sandbox-token")  # the account's token has expired
        monkeypatch.setenv("PUBLISHER_USE_GIT", "false")
        runner = setup_env(tmp_path, monkeypatch)
        result = runner.invoke(app, ["run", "--once"])
        assert result.exit_code == 1, result.output  # the one due post is held: nothing went out
        assert "通知：已发送" in result.output
        titles = sorted(m["content"].split("\n")[0] for m in robots.app.messages if m["robot"] == "wecom")
        assert "### 账号暂停发布：测试微博（wb-main）" in titles
    finally:
        channels.stop()


def test_resident_loop_notifies_off_the_publishing_thread_and_stops(tmp_path, monkeypatch, robots, secrets):
    """`publisher run`'s notify step: a background step of the scheduling loop."""
    import threading
    import time

    from publisher.runtime.context import open_runtime
    from publisher.schedule.loop import SchedulingLoop, Step, notify_step
    from publisher.settings import Settings

    setup(tmp_path, monkeypatch, robot_targets(robots.url))
    runtime = open_runtime(Settings(content_dir=tmp_path / "content"), shared="ledger")
    runtime.ledger.freeze("演练", by="editor")
    loop = SchedulingLoop(runtime, None, [Step("notify", 0.1, notify_step, background=True)])
    stop = threading.Event()
    thread = threading.Thread(target=loop.run_forever, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 20

    def frozen() -> list:
        return [m for m in robots.app.messages if "已冻结发布：全部账号" in m["content"]]

    while len(frozen()) < 2 and time.monotonic() < deadline:  # one per robot
        time.sleep(0.1)
    time.sleep(0.5)  # a few more passes: nothing is sent twice
    stop.set()
    thread.join(10)
    loop.join_background(10)
    assert not thread.is_alive()
    assert loop.running["notify"].name == "step-notify"  # ran in a thread of its own
    assert sorted(m["robot"] for m in frozen()) == ["dingtalk", "wecom"]
