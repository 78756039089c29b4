"""Per-account options of the website (`[accounts.options]` of a `channel = "site"` account).

The site is a folder of static files. `out_dir` is where pages are built (default: `site/` in the
state folder); `deploy` says how that folder reaches the web server:

- `folder`: the folder is served as it is, or mirrored into `target` when one is given;
- `rsync`: `rsync -a --delete <out_dir>/ <target>` (a local path or `host:path`);
- `command`: a configured command run with the folder as `{out}` (e.g. an upload script).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from channels.base import AccountConfig

DEFAULT_WIDTHS = (480, 960, 1600)


class SiteConfig(AccountConfig):
    out_dir: Path | None = Field(None, description="网站生成目录；默认为状态目录下的 site/")
    deploy: Literal["folder", "rsync", "command"] = Field("folder", description="部署方式：folder / rsync / command")
    target: str | None = Field(None, description="部署目标：目录（folder、rsync）或 rsync 远端 host:path")
    command: list[str] | None = Field(
        None, description="部署命令（command 方式），参数列表，{out} 代表生成目录，如 [\"./upload.sh\", \"{out}\"]"
    )
    timeout_seconds: float = Field(300.0, gt=0, description="部署命令的最长运行时间（秒）")
    image_widths: tuple[int, ...] = Field(DEFAULT_WIDTHS, min_length=1, description="响应式图片的宽度档位（像素）")
    image_quality: int = Field(82, ge=40, le=95, description="JPEG 压缩质量")

    @model_validator(mode="after")
    def _deploy_needs(self) -> SiteConfig:
        if self.deploy == "rsync" and not self.target:
            raise ValueError("deploy = \"rsync\" 需要填写 target（目录或 host:path）")
        if self.deploy == "command" and not self.command:
            raise ValueError("deploy = \"command\" 需要填写 command（参数列表）")
        if any(w < 16 or w > 4096 for w in self.image_widths):
            raise ValueError("image_widths 中每个宽度都应在 16 到 4096 像素之间")
        return self
