"""One notification as people read it: a title, the item, the reason, the command that fixes it.

The same `Message` becomes robot Markdown (企业微信 ≤ 4096 bytes, 钉钉) and a mail (plain text
plus an HTML part). Everything here is Chinese; nothing here may carry a secret.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

ROBOT_MAX_BYTES = 4096  # 企业微信 markdown.content limit; 钉钉 is larger, one limit keeps it simple


@dataclass(frozen=True)
class Message:
    event: str
    title: str
    item: str = ""  # item id, or account / page the event is about
    reason: str = ""
    fix: str = ""  # the command (or step) that fixes it
    lines: list[str] = field(default_factory=list)  # extra facts, one sentence each

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(**{k: data.get(k, v) for k, v in _DEFAULTS.items()})

    # -- renderings -------------------------------------------------------------------------
    def facts(self) -> list[tuple[str, str]]:
        rows = []
        if self.item:
            rows.append(("对象", self.item))
        if self.reason:
            rows.append(("原因", self.reason))
        if self.fix:
            rows.append(("处理", self.fix))
        return rows

    def to_markdown(self, *, max_bytes: int = ROBOT_MAX_BYTES) -> str:
        parts = [f"### {self.title}"]
        parts += [f"> **{label}**：{_md(value) if label != '处理' else f'`{value}`'}" for label, value in self.facts()]
        parts += [f"- {_md(line)}" for line in self.lines]
        return _fit("\n".join(parts), max_bytes)

    def to_text(self) -> str:
        parts = [self.title, ""]
        parts += [f"{label}：{value}" for label, value in self.facts()]
        parts += [f"· {line}" for line in self.lines]
        parts += ["", "——新媒体矩阵发布调度（本邮件由系统自动发送）"]
        return "\n".join(parts)

    def to_html(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><th>{e(label)}</th><td>{'<code>' + e(value) + '</code>' if label == '处理' else e(value)}</td></tr>"
            for label, value in self.facts()
        )
        items = "".join(f"<li>{e(line)}</li>" for line in self.lines)
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{e(self.title)}</title><style>{_MAIL_CSS}</style></head><body>"
            f"<h1>{e(self.title)}</h1>"
            + (f"<table>{rows}</table>" if rows else "")
            + (f"<ul>{items}</ul>" if items else "")
            + '<p class="foot">新媒体矩阵发布调度 · 本邮件由系统自动发送，请勿直接回复</p></body></html>'
        )


_DEFAULTS = {"event": "", "title": "", "item": "", "reason": "", "fix": "", "lines": []}
_MAIL_CSS = (
    "body{font:15px/1.7 'Noto Sans CJK SC','Microsoft YaHei',sans-serif;color:#222;max-width:720px;"
    "margin:24px auto;padding:0 16px}h1{font-size:20px;border-bottom:3px solid #b71c1c;padding-bottom:8px}"
    "table{border-collapse:collapse;margin:12px 0}th{text-align:left;white-space:nowrap;color:#555;"
    "padding:4px 12px 4px 0;vertical-align:top}td{padding:4px 0}code{background:#f3f3f3;padding:1px 4px;"
    "border-radius:3px}li{margin:4px 0}.foot{color:#888;font-size:12px;margin-top:24px}"
)


def _md(text: str) -> str:
    # Robot Markdown has no escaping rules worth trusting; keep text from opening markup.
    return text.replace("\n", " ").replace("`", "'")


def _fit(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    cut = data[: max_bytes - 40].decode(errors="ignore")
    return cut.rsplit("\n", 1)[0] + "\n- ……（内容过长，其余请运行 publisher status 查看）"


@dataclass(frozen=True)
class Event:
    """Something a notification target may want to hear about, once: `key` deduplicates it."""

    key: str
    kind: str
    message: Message
    item_id: str | None = None
