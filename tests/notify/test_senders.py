"""The three senders against real servers: aiosmtpd (plain, STARTTLS, SSL) and the robot
sandboxes over HTTP (request shape, 钉钉 signature, error codes, rate limit)."""

from __future__ import annotations

import pytest
import requests

from publisher.content.notifications import NotifySettings, NotifyTarget
from publisher.office.notify.errors import ConfigProblem, RateLimited, SendError
from publisher.office.notify.mail import MailSender
from publisher.office.notify.message import Message
from publisher.office.notify.robots import DingTalkRobot, WeComRobot, dingtalk_sign
from publisher.office.notify.sandbox import SANDBOX_DINGTALK_SECRET

MESSAGE = Message(
    event="failed", title="发布失败：全市数据工作会议召开", item="2026/11/work-meeting → bjdata-weibo",
    reason="微博返回 20019：重复内容", fix="publisher retry 2026/11/work-meeting --account bjdata-weibo",
    lines=["渠道账号：滨江数据发布（bjdata-weibo）"],
)  # fmt: skip


def target(**fields) -> NotifyTarget:
    return NotifyTarget.model_validate(fields)


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_mail_reaches_a_real_smtp_server(smtp_factory, secrets, security):
    smtp = smtp_factory(security)
    options = {"username": "notice@example.gov.cn"} if security != "none" else {}
    sender = MailSender(target(
        id="office-mail", kind="email", host="127.0.0.1", port=smtp.port, security=security,
        sender="notice@example.gov.cn", to=["office@example.gov.cn"], **options))  # fmt: skip
    sender.send(MESSAGE)
    (mail,) = smtp.box.received
    assert mail.recipients == ["office@example.gov.cn"]
    assert mail.subject == "【发布提醒】发布失败：全市数据工作会议召开"
    text = mail.text()
    assert "原因：微博返回 20019：重复内容" in text
    assert "处理：publisher retry 2026/11/work-meeting --account bjdata-weibo" in text
    assert "<code>publisher retry 2026/11/work-meeting --account bjdata-weibo</code>" in mail.html()
    assert "mail-pass-1" not in mail.raw.decode(errors="replace")


def test_mail_wrong_password_and_missing_password_are_config_problems(smtp_factory, monkeypatch):
    smtp = smtp_factory("starttls")
    mail_target = target(id="office-mail", kind="email", host="127.0.0.1", port=smtp.port, security="starttls",
                         username="notice@example.gov.cn", sender="notice@example.gov.cn", to=["a@example.gov.cn"])  # fmt: skip
    monkeypatch.delenv("PUBLISHER_SECRET_OFFICE_MAIL_PASSWORD", raising=False)
    with pytest.raises(ConfigProblem, match="PUBLISHER_SECRET_OFFICE_MAIL_PASSWORD"):
        MailSender(mail_target).send(MESSAGE)
    monkeypatch.setenv("PUBLISHER_SECRET_OFFICE_MAIL_PASSWORD", "wrong")
    with pytest.raises(ConfigProblem, match="拒绝登录") as caught:
        MailSender(mail_target).send(MESSAGE)
    assert "wrong" not in str(caught.value)
    assert smtp.box.received == []


def test_mail_try_later_answer_is_a_rate_limit(smtp_factory):
    smtp = smtp_factory("none")
    smtp.box.refuse_next = 1
    sender = MailSender(target(id="office-mail", kind="email", host="127.0.0.1", port=smtp.port,
                               security="none", sender="n@example.gov.cn", to=["a@example.gov.cn"]))  # fmt: skip
    with pytest.raises(RateLimited):
        sender.send(MESSAGE)
    sender.send(MESSAGE)
    assert len(smtp.box.received) == 1


def test_mail_to_a_closed_port_is_a_send_error(tmp_path):
    sender = MailSender(target(id="office-mail", kind="email", host="127.0.0.1", port=1, security="none",
                               sender="n@example.gov.cn", to=["a@example.gov.cn"]))  # fmt: skip
    with pytest.raises(SendError, match="无法连接邮件服务器"):
        sender.send(MESSAGE)


def test_wecom_markdown_reaches_the_sandbox(robots, secrets):
    WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url)).send(MESSAGE)
    (got,) = robots.app.messages
    assert got["robot"] == "wecom" and got["msgtype"] == "markdown"
    assert got["content"].startswith("### 发布失败：全市数据工作会议召开")
    assert "`publisher retry 2026/11/work-meeting --account bjdata-weibo`" in got["content"]


def test_wecom_mentions_go_as_text(robots, secrets):
    WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url,
                      mentioned_mobiles=["13800000000"])).send(MESSAGE)  # fmt: skip
    (got,) = robots.app.messages
    assert got["msgtype"] == "text" and got["mentioned"] == ["13800000000"]


def test_wecom_bad_key_is_a_config_problem_without_the_key(robots, monkeypatch):
    monkeypatch.setenv("PUBLISHER_SECRET_DUTY_WECOM_KEY", "leaked-key-123")
    with pytest.raises(ConfigProblem, match="93000") as caught:
        WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url)).send(MESSAGE)
    assert "leaked-key-123" not in str(caught.value)


def test_wecom_missing_key_names_the_variable(robots, monkeypatch):
    monkeypatch.delenv("PUBLISHER_SECRET_DUTY_WECOM_KEY", raising=False)
    with pytest.raises(ConfigProblem, match="PUBLISHER_SECRET_DUTY_WECOM_KEY"):
        WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url)).send(MESSAGE)


def test_wecom_over_twenty_a_minute_is_rate_limited(robots, secrets):
    robot = WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url))
    for _ in range(20):
        robot.send(MESSAGE)
    with pytest.raises(RateLimited, match="45009"):
        robot.send(MESSAGE)
    assert len(robots.app.messages) == 20


def test_wecom_content_over_4096_bytes_is_cut_to_fit(robots, secrets):
    long = Message(event="digest", title="发布日报", lines=[f"第 {i} 条：" + "很长的说明" * 20 for i in range(100)])
    WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url)).send(long)
    (got,) = robots.app.messages
    assert len(got["content"].encode()) <= 4096
    assert got["content"].endswith("其余请运行 publisher status 查看）")


def test_dingtalk_signed_markdown_reaches_the_sandbox(robots, secrets):
    DingTalkRobot(target(id="duty-dingtalk", kind="dingtalk", base_url=robots.dingtalk_base_url)).send(MESSAGE)
    (got,) = robots.app.messages
    assert got["robot"] == "dingtalk" and got["title"] == MESSAGE.title
    assert "> **原因**：微博返回 20019：重复内容" in got["content"]


def test_dingtalk_signature_is_checked(robots, secrets, monkeypatch):
    robot = DingTalkRobot(target(id="duty-dingtalk", kind="dingtalk", base_url=robots.dingtalk_base_url))
    monkeypatch.setenv("PUBLISHER_SECRET_DUTY_DINGTALK_SIGN", "SECwrong")
    with pytest.raises(ConfigProblem, match="310000"):
        robot.send(MESSAGE)
    monkeypatch.delenv("PUBLISHER_SECRET_DUTY_DINGTALK_SIGN")
    with pytest.raises(ConfigProblem, match="310000"):
        robot.send(MESSAGE)
    monkeypatch.setenv("PUBLISHER_SECRET_DUTY_DINGTALK_SIGN", SANDBOX_DINGTALK_SECRET)
    stale = DingTalkRobot(robot.target, clock=lambda: 1_000_000.0)  # 1970: far outside the hour
    with pytest.raises(ConfigProblem, match="timestamp"):
        stale.send(MESSAGE)
    assert robots.app.messages == []
    robot.send(MESSAGE)
    assert len(robots.app.messages) == 1


def test_dingtalk_sign_matches_the_documented_recipe():
    # base64(HMAC-SHA256(secret, "ts\nsecret")), URL-encoded; value computed independently.
    import base64
    import hashlib
    import hmac
    import urllib.parse

    ts, secret = 1700000000000, "SECabc"
    raw = base64.b64encode(hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()).decode()
    assert dingtalk_sign(secret, ts) == urllib.parse.quote_plus(raw)


def test_dingtalk_throttle_answer_and_bad_token(robots, secrets, monkeypatch):
    requests.post(f"{robots.url}/_admin/faults", json={"per_minute": 2}, timeout=5)
    robot = DingTalkRobot(target(id="duty-dingtalk", kind="dingtalk", base_url=robots.dingtalk_base_url))
    robot.send(MESSAGE)
    robot.send(MESSAGE)
    with pytest.raises(RateLimited, match="130101"):
        robot.send(MESSAGE)
    monkeypatch.setenv("PUBLISHER_SECRET_DUTY_DINGTALK_TOKEN", "nope")
    with pytest.raises(ConfigProblem, match="300001"):
        robot.send(MESSAGE)


def test_http_500_is_a_plain_send_error(robots, secrets):
    requests.post(f"{robots.url}/_admin/faults", json={"fail_next": 1}, timeout=5)
    robot = WeComRobot(target(id="duty-wecom", kind="wecom", base_url=robots.wecom_base_url))
    with pytest.raises(SendError, match="HTTP 500") as caught:
        robot.send(MESSAGE)
    assert not isinstance(caught.value, (RateLimited, ConfigProblem))


def test_config_rejects_incomplete_and_duplicate_targets():
    with pytest.raises(ValueError, match="缺少 host"):
        NotifySettings.model_validate({"targets": [{"id": "m", "kind": "email", "sender": "a@b.cn", "to": ["c@d.cn"]}]})
    with pytest.raises(ValueError, match="重复"):
        NotifySettings.model_validate({"targets": [{"id": "w", "kind": "wecom"}, {"id": "w", "kind": "dingtalk"}]})
    with pytest.raises(ValueError, match="HH:MM"):
        NotifySettings.model_validate({"digest_at": "25:00"})
