"""Per-account options of a WeChat Official Account (`[accounts.options]` in publisher.toml).

The app secret is not here: it comes from `PUBLISHER_SECRET_<ACCOUNT_ID>` (settings.account_secret).
Every URL is configurable so the sandbox, tests and the demo can point the adapter elsewhere.
"""

from __future__ import annotations

from pydantic import Field

from channels.base import AccountConfig


class WeChatConfig(AccountConfig):
    appid: str = Field(min_length=1, description="公众号 AppID")
    base_url: str = Field("https://api.weixin.qq.com", description="接口地址（沙箱：http://127.0.0.1:8800/wechat）")
    theme: str = Field("default", description="正文排版主题")
    author: str | None = Field(None, max_length=16, description="默认作者（条目未写作者时使用）")
    need_open_comment: bool = Field(False, description="是否打开留言")
    only_fans_can_comment: bool = Field(False, description="是否仅粉丝可留言")
    content_source: bool = Field(True, description="“阅读原文”是否链接到门户网站的同一篇文章")
    timeout_seconds: float = Field(15.0, gt=0, description="等待接口应答的时间（秒）")
    connect_timeout_seconds: float = Field(5.0, gt=0, description="建立连接的时间（秒）")
    # freepublish/get has a default quota of 100 calls a day: poll sparingly.
    poll_seconds: float = Field(60.0, gt=0, description="查询发布状态的间隔（秒）")
    publish_wait_seconds: float = Field(0.0, ge=0, description="提交发布后当场等待结果的时间（秒）")
    # The platform refreshes a stable token ~5 minutes before expiry; refresh ours a bit earlier.
    token_margin_seconds: float = Field(120.0, ge=0, description="令牌提前刷新的余量（秒）")
    forced_refresh_per_day: int = Field(20, ge=0, description="每日强制刷新令牌次数上限")
    forced_refresh_interval_seconds: float = Field(30.0, ge=0, description="两次强制刷新的最小间隔（秒）")
