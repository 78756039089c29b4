"""Real servers for the notification tests: an aiosmtpd SMTP server (plain, STARTTLS or implicit
TLS, with a self-signed certificate made here), and matrix snippets pointing at them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
import warnings
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "notice@example.gov.cn", "mail-pass-1"
# Implicit TLS is encrypted, but aiosmtpd only counts STARTTLS as TLS and warns about AUTH.
warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def mail(self):
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.mail["Subject"])

    def text(self) -> str:
        return self.mail.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        return self.mail.get_body(preferencelist=("html",)).get_content()


@dataclass
class MailBox:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    on_mail: object = None
    refuse_next: int = 0  # answer 451 (try later) to this many mails

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.7.1 Try again later"
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.on_mail is not None:
            self.on_mail(envelope.original_content, list(envelope.rcpt_tos))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    controller: Controller
    box: MailBox
    security: str

    @property
    def port(self) -> int:
        return self.controller.port

    def stop(self) -> None:
        self.controller.stop()


def start_smtp(security: str, folder: Path, port: int = 0) -> SmtpServer:
    """`none` (no TLS, no auth), `starttls` (TLS required before AUTH), `ssl` (implicit TLS)."""
    box = MailBox()
    options: dict = {"hostname": "127.0.0.1", "port": port or _free_port()}
    if security != "none":
        cert, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options.update(authenticator=_authenticate, auth_required=True)
        if security == "ssl":
            # Implicit TLS: the link is encrypted from the start (aiosmtpd only knows STARTTLS).
            options.update(ssl_context=context, server_hostname="127.0.0.1", auth_require_tls=False)
        else:
            options.update(tls_context=context, require_starttls=True)
    controller = Controller(box, **options)
    controller.start()
    return SmtpServer(controller, box, security)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mail_target(smtp: SmtpServer, target_id: str = "office-mail", events: str | None = None) -> str:
    auth = f'username = "{USER}"\n' if smtp.security != "none" else ""
    chosen = f"events = {events}\n" if events else ""
    return f"""
[[notify.targets]]
id = "{target_id}"
kind = "email"
name = "办公室邮箱"
host = "127.0.0.1"
port = {smtp.port}
security = "{smtp.security}"
{auth}sender = "{USER}"
to = ["office@example.gov.cn", "duty@example.gov.cn"]
{chosen}"""


def robot_targets(robots_url: str) -> str:
    return f"""
[[notify.targets]]
id = "duty-wecom"
kind = "wecom"
name = "值班群（企业微信）"
base_url = "{robots_url}/wecom"

[[notify.targets]]
id = "duty-dingtalk"
kind = "dingtalk"
name = "值班群（钉钉）"
base_url = "{robots_url}/dingtalk"
"""


def robot_env() -> dict[str, str]:
    from publisher.office.notify.sandbox import (
        SANDBOX_DINGTALK_SECRET,
        SANDBOX_DINGTALK_TOKEN,
        SANDBOX_WECOM_KEY,
    )

    return {
        "PUBLISHER_SECRET_DUTY_WECOM_KEY": SANDBOX_WECOM_KEY,
        "PUBLISHER_SECRET_DUTY_DINGTALK_TOKEN": SANDBOX_DINGTALK_TOKEN,
        "PUBLISHER_SECRET_DUTY_DINGTALK_SIGN": SANDBOX_DINGTALK_SECRET,
        "PUBLISHER_SECRET_OFFICE_MAIL_PASSWORD": PASSWORD,
    }
