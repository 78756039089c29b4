"""`publisher schema`: the JSON Schema of the front matter, for editors' editors."""

from __future__ import annotations

import json

import typer

from publisher.content.model import FrontMatter


def front_matter_schema() -> dict:
    schema = FrontMatter.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "内容条目头信息（index.md front matter）"
    return schema


def register(app: typer.Typer) -> None:
    @app.command()
    def schema() -> None:
        """打印条目头信息（front matter）的 JSON Schema，供编辑器自动补全与校验。"""
        typer.echo(json.dumps(front_matter_schema(), ensure_ascii=False, indent=2))
