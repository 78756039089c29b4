"""抖音 limits as editor findings, each with the file and line to fix: the post's text and title
length, the number of topics, the video's duration, size and resolution, and what rendering
noticed (unreadable pictures, a missing music or logo file)."""

from __future__ import annotations

from channels.base import Rendition
from channels.douyin.config import DouyinConfig
from channels.douyin.script import Note, douyin_spec
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem


def _line(item: ContentItem, *keys: tuple) -> int | None:
    for key in keys:
        line = item.line_of(*key)
        if line is not None:
            return line
    return None


def _title_line(item: ContentItem) -> int | None:
    spec = douyin_spec(item)
    if spec is not None and spec.title:
        return _line(item, ("targets", "douyin", "title"), ("title",))
    return _line(item, ("title",))


def _script_line(item: ContentItem) -> int | None:
    spec = douyin_spec(item)
    if spec is not None and (spec.model_extra or {}).get("script"):
        return _line(item, ("targets", "douyin", "script"))
    if spec is not None and spec.text:
        return _line(item, ("targets", "douyin", "text"))
    return item.body_line


def _note_line(item: ContentItem, note: Note) -> int | None:
    if note.key:
        return _line(item, note.key)
    if note.ref:
        lines = item.body.split("\n")
        return next((item.body_line + i for i, line in enumerate(lines) if note.ref in line), None)
    return None


def check_post(item: ContentItem, rendition: Rendition, notes: list[Note], config: DouyinConfig,
               account_id: str) -> list[Finding]:
    shown = item.display_path
    p = rendition.payload
    where = f"（抖音账号 {account_id}）"
    findings = [
        Finding(n.code, n.message + where, shown, _note_line(item, n),
                severity=Severity.WARNING if n.warning else Severity.ERROR)
        for n in notes
    ]
    if len(p["title"]) > config.title_max:
        findings.append(Finding(
            "douyin-title-too-long",
            f"抖音标题 {len(p['title'])} 字，超出 {config.title_max} 字上限：请在 targets.douyin.title 中写一个短标题{where}",
            shown, _title_line(item),
        ))
    if len(p["text"]) > config.text_max:
        findings.append(Finding(
            "douyin-text-too-long",
            f"抖音视频文案（标题加话题）{len(p['text'])} 字，超出 {config.text_max} 字上限{where}",
            shown, _title_line(item),
        ))
    if len(p["topics"]) > config.topics_max:
        findings.append(Finding(
            "douyin-too-many-topics",
            f"抖音话题 {len(p['topics'])} 个（来自标签和账号设置），最多 {config.topics_max} 个：请减少 tags{where}",
            shown, _line(item, ("tags",), ("title",)),
        ))
    duration = float(p["duration"])
    if duration > config.duration_max:
        findings.append(Finding(
            "douyin-too-long",
            f"抖音视频时长 {duration:.0f} 秒，超过 {config.duration_max:.0f} 秒上限：请减少字幕条数"
            f"或调小账号设置 seconds_per_caption{where}",
            shown, _script_line(item),
        ))
    if duration < config.duration_min:
        findings.append(Finding(
            "douyin-too-short", f"抖音视频时长 {duration:.1f} 秒，短于 {config.duration_min:.0f} 秒{where}",
            shown, _script_line(item),
        ))
    if int(p["size"]) > config.size_max:
        findings.append(Finding(
            "douyin-too-large",
            f"抖音视频文件 {int(p['size']) / 1024 / 1024:.1f} MB，超过 {config.size_max / 1024 / 1024:.0f} MB 上限{where}",
            shown, _script_line(item),
        ))
    if min(int(p["width"]), int(p["height"])) < config.min_width:
        findings.append(Finding(
            "douyin-resolution",
            f"抖音视频分辨率 {p['width']}×{p['height']} 低于 {config.min_width}p{where}", shown, _script_line(item),
        ))
    if not p["captions"]:
        findings.append(Finding(
            "douyin-no-captions",
            f"抖音视频没有字幕：正文没有段落可作导语，请在 targets.douyin.text 中逐行写字幕{where}",
            shown, _script_line(item), severity=Severity.WARNING,
        ))
    if not p["pictures"]:
        findings.append(Finding(
            "douyin-no-pictures", f"抖音视频没有图片，只有文字画面：可设置封面或在正文中插入图片{where}",
            shown, _line(item, ("cover",), ("title",)), severity=Severity.WARNING,
        ))
    return findings
