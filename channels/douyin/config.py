"""Per-account options of a 抖音 account (`[accounts.options]` in publisher.toml).

Secrets are not here. From the environment (publisher.settings.account_secret):

    PUBLISHER_SECRET_<ACCOUNT>                 the app's client_secret (also seals cached tokens)
    PUBLISHER_SECRET_<ACCOUNT>_REFRESH_TOKEN   the refresh_token from the owner's authorisation

Paths, limits and error handling follow the Douyin Open Platform's public documentation; what is
unverified there (reference/channels.md) is a setting here with the documented value as default.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from channels.base import AccountConfig

DEFAULT_BASE_URL = "https://open.douyin.com"
MB = 1024 * 1024


class DouyinConfig(AccountConfig):
    base_url: str = Field(DEFAULT_BASE_URL, description="接口地址（沙箱：http://127.0.0.1:8800/douyin）")
    client_key: str = Field("sandbox-client", min_length=1, description="应用的 client_key（网站应用）")
    open_id: str = Field("sandbox-open-1", min_length=1, description="授权账号的 open_id")
    web_url: str | None = Field(None, description="视频网页地址前缀；默认 https://www.douyin.com/video（沙箱为沙箱地址）")

    # -- the video ------------------------------------------------------------------------------
    seconds_per_caption: float = Field(4.0, ge=1.0, le=20.0, description="每条字幕显示的秒数")
    title_seconds: float = Field(2.5, ge=0.5, le=10.0, description="片头标题卡的秒数")
    closing_seconds: float = Field(2.5, ge=0.5, le=10.0, description="片尾账号卡的秒数")
    fps: int = Field(12, ge=6, le=30, description="帧率：画面是缓慢推拉的图片，12 帧足够流畅且编码快")
    preset: str = Field("ultrafast", description="x264 编码预设（ultrafast 最快，文件稍大）")
    crf: int = Field(28, ge=16, le=40, description="x264 画质（数字越小越清晰、文件越大）")
    max_captions: int = Field(12, ge=1, le=60, description="最多几条字幕（由正文导语生成时）")
    caption_chars: int = Field(36, ge=8, le=120, description="每条字幕最多几个字（由正文生成时）")
    logo: str | None = Field(None, description="片尾卡的账号标志图片（相对内容库根目录）")
    music: str | None = Field(None, description="默认背景音乐（相对内容库根目录）；不填则为静音音轨")
    music_volume: float = Field(0.6, ge=0.0, le=1.0, description="背景音乐音量")
    font_path: str | None = Field(None, description="中文字体文件；默认自动查找 Noto Sans CJK")
    topics: list[str] = Field(default_factory=list, description="每条视频都带的话题（不含 #）")

    # -- platform limits (documented values; unverified ones are settings) ----------------------
    title_max: int = Field(55, ge=1, description="标题部分的字数上限（未经证实，取稳妥值）")
    text_max: int = Field(300, ge=1, description="视频文案（标题加话题）的字数上限（未经证实）")
    topics_max: int = Field(5, ge=0, description="话题个数上限（未经证实）")
    duration_min: float = Field(3.0, ge=0.0, description="视频最短秒数")
    duration_max: float = Field(900.0, ge=1.0, description="视频最长秒数（文档：15 分钟以内）")
    size_max: int = Field(4096 * MB, ge=1, description="视频文件大小上限（文档：4 GB）")
    simple_upload_max: int = Field(128 * MB, ge=1, description="超过此大小必须分片上传（文档：128 MB）")
    part_upload_from: int = Field(50 * MB, ge=1, description="从此大小起分片上传（文档建议 50 MB）")
    part_size: int = Field(20 * MB, ge=1, description="分片大小（文档建议 20 MB，最小 5 MB）")
    min_width: int = Field(720, ge=1, description="最小宽度（文档推荐 720p 及以上）")

    # -- protocol ------------------------------------------------------------------------------
    token_margin_seconds: float = Field(600.0, ge=0, description="访问令牌到期前多少秒即刷新")
    renew_refresh_before_days: float = Field(
        7.0, ge=0, description="刷新令牌剩余天数少于此数时续期（renew_refresh_token，最多 5 次）"
    )
    timeout_seconds: float = Field(60.0, gt=0, description="等待接口应答的时间（秒）；上传大文件需要更长")
    connect_timeout_seconds: float = Field(5.0, gt=0, description="建立连接的时间（秒）")
    refresh_token_path: str = "/oauth/refresh_token/"
    renew_refresh_token_path: str = "/oauth/renew_refresh_token/"
    upload_path: str = "/video/upload/"
    part_init_path: str = "/video/part/init/"
    part_upload_path: str = "/video/part/upload/"
    part_complete_path: str = "/video/part/complete/"
    create_path: str = "/video/create/"
    data_path: str = "/video/data/"
    list_path: str = "/video/list/"
    delete_path: str = "/video/delete/"

    @property
    def video_web_base(self) -> str:
        if self.web_url:
            return self.web_url.rstrip("/")
        if self.base_url.rstrip("/") == DEFAULT_BASE_URL:
            return "https://www.douyin.com/video"
        return self.base_url.rstrip("/") + "/v"


class DouyinTargetOptions(BaseModel):
    """An item's own keys under `targets.douyin` (besides accounts, title, text): the script,
    its music and its pace. Declared as the channel's `target_options`, so checks validate them."""

    model_config = ConfigDict(extra="forbid")

    script: list[str] | None = Field(None, description="抖音视频字幕，一条一项（优先于 text）")
    music: str | None = Field(None, description="背景音乐文件：先在稿件文件夹中找，再在内容库根目录找")
    seconds_per_caption: float | None = Field(None, ge=1.0, le=20.0, description="本条视频每条字幕显示的秒数")
