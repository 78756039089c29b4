"""`publisher preview ITEM [--out FILE]`: one HTML page with the item as every target will show
it (each target channel's own pane) and every check finding on top."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from publisher.cli.common import console, open_workspace
from publisher.cli.render import load_one


def register(app: typer.Typer) -> None:
    @app.command()
    def preview(
        item: Annotated[str, typer.Argument(help="条目文件夹、index.md 路径或条目标识")],
        out: Annotated[Path | None, typer.Option("--out", "-o", help="输出的 HTML 文件；默认 <状态目录>/preview/<条目>.html")] = None,
        content: Annotated[Path | None, typer.Option("--content", help="内容库根目录（含 publisher.toml）")] = None,
    ) -> None:
        """生成条目在各渠道的并排预览页（单个 HTML 文件，图片内嵌，可直接用浏览器打开）。"""
        from publisher.office.preview import write_preview
        from publisher.render.renditions import image_cache_in

        workspace = open_workspace(content or (Path(item) if Path(item).exists() else None))
        loaded = load_one(workspace, item)
        target = out or workspace.settings.state_dir / "preview" / (loaded.id.replace("/", "-") + ".html")
        write_preview(
            loaded,
            workspace.matrix,
            target,
            settings=workspace.settings,
            image_cache=image_cache_in(workspace.settings.state_dir),
        )
        console.print(f"预览已生成：{target.resolve().as_uri()}", soft_wrap=True)
