"""The content item: front matter model (strict) and the loaded item.

`publisher schema` prints `FrontMatter.model_json_schema()` so editors' editors can autocomplete.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from publisher.content.frontmatter import Positions
from publisher.content.timeparse import parse_local_datetime

Text = Annotated[StrictStr, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _aware(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        return None
    tz = (info.context or {}).get("tz")
    if tz is None:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo("Asia/Shanghai")
    return parse_local_datetime(value, tz)


class Signoff(_Strict):
    """One review sign-off (三审三校): stage, who signed, when."""

    stage: Text = Field(description="审核环节，如 初审、复审、终审")
    by: Text = Field(description="审核人")
    at: datetime = Field(description="审核时间")

    _at = field_validator("at", mode="before")(_aware)


class AdoptionNote(_Strict):
    """One adoption of the item by a body, written in the front matter (`publisher adopted` is
    the same from the command line): the office's own 《信息》 (本级) or a higher-level one."""

    by: Text = Field(description="采用单位或刊物，如 省政府办公厅《政务信息》")
    level: Text = Field(description="采用级别：本级、市级、省级、国家级、媒体（见 publisher.toml 的 [report] levels）")
    at: datetime = Field(description="采用日期，如 2026-11-20")
    url: Text | None = Field(None, description="采用稿的链接")

    _at = field_validator("at", mode="before")(_aware)


class TargetSpec(_Strict):
    """Where an item goes on one channel, with that channel's overrides. Keys beyond these
    belong to the channel, which declares them (`Channel.target_options`); an undeclared key is
    an error of publisher.checks.targets, with its line."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, frozen=True)

    accounts: list[Text] | None = Field(None, description="账号标识；省略则为该渠道全部默认账号")
    title: Text | None = Field(None, description="该渠道专用标题（如较短的标题）")
    digest: Text | None = Field(None, description="该渠道专用摘要")
    author: Text | None = Field(None, description="该渠道署名")
    text: Text | None = Field(None, description="短帖类渠道的正文（不含链接，链接自动追加）")
    content_source_url: Text | None = Field(None, description="“阅读原文”链接（支持的渠道使用）")


class FrontMatter(_Strict):
    """YAML front matter of `index.md`."""

    title: Text = Field(description="标题")
    author: Text = Field(description="作者")
    department: Text = Field(description="报送单位")
    publish_at: datetime = Field(description="发布时间，如 2026-11-20 09:00（默认北京时间）")
    expire_at: datetime | None = Field(None, description="下线时间")
    draft: StrictBool = Field(False, description="草稿：可预览，不发布")
    slug: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]*$", description="网址名；默认取文件夹名")
    column: str | None = Field(None, description="网站栏目标识")
    tags: list[Text] = Field(default_factory=list, description="标签")
    summary: Text | None = Field(None, description="摘要")
    cover: Text | None = Field(None, description="封面图片文件名（与 index.md 同一文件夹）")
    cover_focus: tuple[float, float] | None = Field(
        None, description="封面裁剪焦点 [x, y]，0 到 1 之间；默认居中"
    )
    targets: dict[str, TargetSpec | None] | None = Field(
        None, description="发布渠道与账号：渠道名（publisher accounts 所列）下写账号与该渠道的专用设置；省略则发往全部默认账号"
    )
    review: list[Signoff] = Field(default_factory=list, description="审核签发记录")
    classification: Text | None = Field(
        None, description="密级：只有“公开”的稿件可以发布；不写视为“公开”（内部、秘密、机密、绝密一律不发布）"
    )
    adopted: list[AdoptionNote] = Field(default_factory=list, description="被采用记录（本级或上级采用），计入信息报送通报")

    _dates = field_validator("publish_at", "expire_at", mode="before")(_aware)

    @field_validator("cover_focus")
    @classmethod
    def _focus_in_unit_square(cls, value):
        if value is not None and not all(0.0 <= v <= 1.0 for v in value):
            raise ValueError("cover_focus 的两个数都应在 0 到 1 之间")
        return value


@dataclass
class ContentItem:
    """One loaded item: a folder under `items/` holding `index.md` and its images."""

    id: str  # folder path relative to items/, e.g. "2026/11/work-meeting"
    path: Path  # the index.md file
    root: Path  # the content root (holds publisher.toml)
    meta: FrontMatter
    body: str
    body_line: int  # file line of the body's first line
    positions: Positions = field(default_factory=Positions)
    source_bytes: bytes = b""
    commit: str | None = None
    # publisher.content.history.ItemTrail: who committed each sign-off line and what it approved.
    # None: the history could not be read (not a git repo), so sign-offs cannot be verified.
    trail: Any = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def slug(self) -> str:
        return self.meta.slug or self.id.rsplit("/", 1)[-1].lower()

    @property
    def display_path(self) -> str:
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return self.path.as_posix()

    @property
    def source_hash(self) -> str:
        """Hash of the item's text; renditions add their assets' hashes on top."""
        return hashlib.sha256(self.source_bytes).hexdigest()

    def line_of(self, *key: str | int) -> int | None:
        return self.positions.locate(tuple(key))[0]
