"""`[notify]` in `publisher.toml`: who is told about which events, by mail or group robot.

    [notify]
    digest_at = "08:30"              # the daily digest, in the matrix's time zone
    blocked_within_hours = 2         # tell about a blocked item this long before its time
    silence_day = 10                 # tell when an account has been silent this many days

    [[notify.targets]]
    id = "office-mail"
    kind = "email"                   # email | wecom | dingtalk
    events = ["blocked", "failed", "unconfirmed", "digest"]   # default: every event
    host = "smtp.example.gov.cn"
    port = 465
    security = "ssl"                 # ssl | starttls | none
    username = "notice@example.gov.cn"
    sender = "notice@example.gov.cn"
    to = ["office@example.gov.cn"]

Secrets never live here (like the accounts'): the mail password, the 企业微信 robot key, the 钉钉
robot token and signing secret come from the environment, named by `settings.secret_env_name`
with the target's id (`PUBLISHER_SECRET_OFFICE_MAIL_PASSWORD`, `PUBLISHER_SECRET_<ID>_KEY`,
`PUBLISHER_SECRET_<ID>_TOKEN`, `PUBLISHER_SECRET_<ID>_SIGN`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z0-9][a-z0-9_-]*$"

# Event kinds a target may subscribe to, with the Chinese name editors see.
EVENT_LABELS: dict[str, str] = {
    "blocked": "稿件受阻（临近发布时间）",
    "failed": "发布失败",
    "unconfirmed": "发布结果未确认",
    "account-paused": "账号暂停发布",
    "silence": "账号临近“僵尸号”红线",
    "broken-links": "网站失效链接",
    "freeze": "冻结与解冻",
    "digest": "每日摘要",
    "test": "测试消息",
}
EventKind = Literal[
    "blocked", "failed", "unconfirmed", "account-paused", "silence", "broken-links", "freeze", "digest"
]
ALL_EVENTS: tuple[str, ...] = tuple(k for k in EVENT_LABELS if k != "test")
TargetKind = Literal["email", "wecom", "dingtalk"]

# Where each kind's secrets live: `secret_env_name(target.id, name)`.
SECRET_NAMES: dict[str, tuple[str, ...]] = {
    "email": ("password",),
    "wecom": ("key",),
    "dingtalk": ("token", "sign"),
}
DEFAULT_BASE_URLS = {
    "wecom": "https://qyapi.weixin.qq.com",
    "dingtalk": "https://oapi.dingtalk.com",
}


class NotifyTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG, description="通知对象标识（密钥环境变量以它命名）")
    kind: TargetKind = Field(description="email（邮件）/ wecom（企业微信群机器人）/ dingtalk（钉钉群机器人）")
    name: str = Field("", description="显示名称，如“办公室值班群”")
    events: list[EventKind] = Field(default_factory=lambda: list(ALL_EVENTS), description="订阅的事件")
    # Robots
    base_url: str | None = Field(None, description="机器人接口地址；默认真实平台，测试时指向沙箱")
    mentioned_mobiles: list[str] = Field(default_factory=list, description="需要 @ 的手机号")
    per_minute: int = Field(18, ge=1, le=20, description="每分钟最多发送条数（平台上限约 20）")
    # E-mail
    host: str | None = Field(None, description="SMTP 服务器")
    port: int | None = Field(None, ge=1, le=65535, description="SMTP 端口；默认 ssl 465、starttls 587、none 25")
    security: Literal["ssl", "starttls", "none"] = Field("ssl", description="加密方式")
    username: str | None = Field(None, description="SMTP 登录名（密码来自环境变量）")
    sender: str | None = Field(None, description="发件人地址")
    to: list[str] = Field(default_factory=list, description="收件人地址")

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("base_url 必须以 http:// 或 https:// 开头")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _complete(self) -> NotifyTarget:
        if self.kind == "email":
            missing = [k for k in ("host", "sender") if not getattr(self, k)]
            if not self.to:
                missing.append("to")
            if missing:
                raise ValueError(f"邮件通知对象 {self.id} 缺少 {'、'.join(missing)}")
        return self

    @property
    def smtp_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]

    @property
    def api_base(self) -> str:
        return self.base_url or DEFAULT_BASE_URLS.get(self.kind, "")

    @property
    def label(self) -> str:
        return self.name or self.id


class NotifySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    digest_at: str = Field("08:30", description="每日摘要的发送时间（HH:MM，按 timezone）")
    blocked_within_hours: float = Field(2.0, gt=0, description="稿件受阻且距发布时间不足此小时数时通知")
    silence_day: int | None = Field(
        None, ge=1, le=13, description="账号连续多少天未更新时提醒（默认 inspection.warn_days，即第 10 天）"
    )
    max_attempts: int = Field(10, ge=1, description="发送失败（非限流）时最多重试次数")
    targets: list[NotifyTarget] = Field(default_factory=list)

    @field_validator("digest_at")
    @classmethod
    def _clock(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"digest_at “{value}” 应为 HH:MM，如 08:30")
        return f"{int(match[1]):02d}:{match[2]}"

    @model_validator(mode="after")
    def _unique(self) -> NotifySettings:
        ids = [t.id for t in self.targets]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"通知对象标识重复：{', '.join(twice)}")
        return self

    def targets_for(self, event: str) -> list[NotifyTarget]:
        return [t for t in self.targets if event == "test" or event in t.events]
