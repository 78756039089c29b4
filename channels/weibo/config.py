"""Per-account options of a Weibo account (`[accounts.options]` in publisher.toml).

The OAuth2 access token is not here: it comes from `PUBLISHER_SECRET_<ACCOUNT_ID>_TOKEN`
(settings.account_secret(account_id, "token")). Paths are configurable because the exact v2
paths of destroy/count are unverified (reference/channels.md).
"""

from __future__ import annotations

from pydantic import Field

from channels.base import AccountConfig

DEFAULT_BASE_URL = "https://api.weibo.com"


class WeiboConfig(AccountConfig):
    base_url: str = Field(DEFAULT_BASE_URL, description="接口地址（沙箱：http://127.0.0.1:8800/weibo）")
    web_url: str | None = Field(
        None, description="微博网页地址，用于拼出每条微博的链接；默认 https://weibo.com（沙箱为沙箱地址）"
    )
    text_limit: int = Field(140, ge=1, description="正文字数上限（按微博计数）")
    # How Weibo counts a link is unverified (channels/weibo/length.py). Unset: conservatively, a
    # link's own characters and at least 20, so nothing the check passes is refused for length.
    url_weight: int | None = Field(
        None,
        ge=0,
        description="每个链接按多少字计算；不填时按链接本身的字数计（至少 20 字）。"
        "仅在本单位已在自己的账号上核实微博短链计数后填写（如 20）",
    )
    safe_domain: str | None = Field(None, description="应用登记的安全域名；默认取门户网站的域名")
    hourly_limit: int = Field(30, ge=1, description="每小时最多发布条数")
    timeout_seconds: float = Field(15.0, gt=0, description="等待接口应答的时间（秒）")
    connect_timeout_seconds: float = Field(5.0, gt=0, description="建立连接的时间（秒）")
    share_path: str = "/2/statuses/share.json"
    destroy_path: str = "/2/statuses/destroy.json"
    count_path: str = "/2/statuses/count.json"
    timeline_path: str = "/2/statuses/user_timeline.json"  # own posts (publisher adopt)
    token_info_path: str = "/oauth2/get_token_info"

    @property
    def post_web_base(self) -> str:
        """Where a post's page lives: weibo.com for the real API, the sandbox itself otherwise."""
        if self.web_url:
            return self.web_url.rstrip("/")
        if self.base_url.rstrip("/") == DEFAULT_BASE_URL:
            return "https://weibo.com"
        return self.base_url.rstrip("/")
