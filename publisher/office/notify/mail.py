"""E-mail over SMTP: implicit TLS (`ssl`, port 465), STARTTLS (587) or plain (`none`, tests and
relays inside the office network). The password comes from the environment only.

TLS verifies the server's certificate against the system's CAs; `PUBLISHER_NOTIFY_CA_FILE` adds
a CA bundle (an office's own mail server, the tests' local server).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from publisher.content.notifications import NotifyTarget
from publisher.office.notify.errors import ConfigProblem, RateLimited, SendError
from publisher.office.notify.message import Message
from publisher.settings import account_secret, secret_env_name

TIMEOUT = 20.0


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    extra = os.environ.get("PUBLISHER_NOTIFY_CA_FILE")
    if extra:
        context.load_verify_locations(cafile=extra)
    return context


def build_mail(target: NotifyTarget, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = f"【发布提醒】{message.title}"
    mail["From"] = Address(display_name="新媒体矩阵发布调度", addr_spec=target.sender or "")
    mail["To"] = ", ".join(target.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=(target.sender or "localhost").rsplit("@", 1)[-1])
    mail.set_content(message.to_text())
    mail.add_alternative(message.to_html(), subtype="html")
    return mail


class MailSender:
    who = "邮件服务器"

    def __init__(self, target: NotifyTarget):
        self.target = target

    def send(self, message: Message) -> None:
        target = self.target
        password = account_secret(target.id, "password")
        if target.username and password is None:
            raise ConfigProblem(
                f"通知对象 {target.id} 缺少邮箱密码：请设置环境变量 {secret_env_name(target.id, 'password')}"
            )
        mail = build_mail(target, message)
        host, port = target.host or "", target.smtp_port
        try:
            if target.security == "ssl":
                client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=tls_context())
            else:
                client = smtplib.SMTP(host, port, timeout=TIMEOUT)
            with client:
                if target.security == "starttls":
                    client.starttls(context=tls_context())
                if target.username:
                    client.login(target.username, password.get_secret_value())  # type: ignore[union-attr]
                client.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise ConfigProblem(f"邮件服务器拒绝登录（{exc.smtp_code}），请核对用户名与密码") from None
        except smtplib.SMTPNotSupportedError:
            raise ConfigProblem("邮件服务器不支持 STARTTLS 或登录（AUTH），请核对 security 与端口") from None
        except smtplib.SMTPResponseException as exc:
            text = f"邮件服务器返回 {exc.smtp_code}"
            if exc.smtp_code in (421, 450, 451, 452):  # try later: busy, greylisted, over a limit
                raise RateLimited(text, 60.0) from None
            raise SendError(text) from None
        except smtplib.SMTPRecipientsRefused:
            raise ConfigProblem("邮件服务器拒收全部收件人，请核对 to 中的地址") from None
        except ssl.SSLError as exc:
            raise ConfigProblem(f"与邮件服务器的加密连接失败（{exc.reason}），请核对 security 与端口") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"无法连接邮件服务器 {host}:{port}（{type(exc).__name__}）") from None
