"""A third-party channel as a plugin author would write one: registered only through the
`publisher.channels` entry point, using nothing but `channels.base`'s interface. Its platform
("回声") takes a short text post with a bearer token, reports views and likes, and deletes posts.

The tests install it as a distribution on sys.path (see tests/test_plugin_channel.py) and check
that the core gives it an account check, a preview pane, sandbox routing and reach figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests
from pydantic import BaseModel

from channels.base import (
    ABSENT,
    AccountConfig,
    Capabilities,
    Channel,
    Metrics,
    PublishContext,
    PublishStatus,
    Receipt,
    Rendition,
    SharedState,
)
from channels.errors import AuthExpired, Permanent, Transient
from channels.preview_kit import render_pane
from publisher.settings import account_secret


class EchoConfig(AccountConfig):
    base_url: str = "https://api.echo.example"


class EchoOptions(BaseModel):
    """`targets.echo.mood`: the plugin's own front-matter key."""

    model_config = {"extra": "forbid"}
    mood: str = "平静"


class EchoChannel(Channel):
    name = "echo"
    title = "回声"
    config_class = EchoConfig
    capabilities = Capabilities(has_reach=True)
    secrets = ("token",)
    target_options = EchoOptions

    def render(self, item) -> Rendition:
        options = self.options_for(item)
        text = f"【{item.meta.title}】{item.meta.summary or ''}（{options.mood}）"
        return Rendition(item.id, self.name, self.account.id, {"text": text})

    def _call(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        token = account_secret(self.account.id, "token")
        headers = {"Authorization": f"Bearer {token.get_secret_value() if token else ''}"}
        try:
            response = requests.request(method, self.config.base_url + path, headers=headers, timeout=5, **kwargs)
        except requests.RequestException as exc:
            raise Transient(f"回声平台无法连接：{exc}") from None
        if response.status_code == 401:
            raise AuthExpired("回声令牌无效")
        if response.status_code >= 400:
            raise Permanent(f"回声平台拒绝：{response.text}")
        return response.json()

    def verify(self, state: SharedState) -> str:
        return f"令牌有效（回声用户 {self._call('GET', '/whoami')['user']}）"

    def endpoint(self) -> str:
        return self.config.base_url

    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        ctx.record("post_started_at", at=datetime.now().isoformat())
        body = self._call("POST", "/posts", json={"text": rendition.payload["text"], "key": ctx.idempotency_key})
        ctx.record("posted", post_id=body["id"])
        return Receipt(phases=dict(ctx.receipt.phases), remote_id=body["id"], url=body["url"])

    def reconcile(self, receipt: Receipt, ctx: PublishContext, rendition: Rendition) -> PublishStatus | None:
        return None if "post_started_at" in receipt.phases else PublishStatus(state=ABSENT)

    def metrics(self, receipt: Receipt, ctx: PublishContext) -> Metrics | None:
        stats = self._call("GET", f"/posts/{receipt.remote_id}")
        return Metrics(reads=stats["views"], likes=stats["likes"])

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        self._call("DELETE", f"/posts/{receipt.remote_id}")

    def preview(self, item, rendition: Rendition, when) -> str:
        return render_pane('<div class="post-card echo"><div class="text">{{ text }}</div></div>',
                           text=rendition.payload["text"])

    @classmethod
    def sandbox(cls, faults):
        from echo_channel.sandbox import EchoSandbox

        return EchoSandbox()

    @classmethod
    def sandbox_options(cls, sandbox_url: str) -> dict[str, Any]:
        return {"base_url": f"{sandbox_url.rstrip('/')}/{cls.name}"}

    @classmethod
    def sandbox_secrets(cls, account_id: str) -> dict[str, str]:
        return {"token": f"echo-{account_id}"}
