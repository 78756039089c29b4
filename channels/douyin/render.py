"""A content item as a 抖音 post: the generated video, its cover frame, and the post's text.

Pure and deterministic like the other renderers: the storyboard comes from the item and the
account, the video from the storyboard (channels/douyin/video.py), so preview, check, plan and
publish see the same bytes. The video is cached by a hash of everything that decides its bytes,
in memory and beside the prepared-image cache, so only the first render of an item pays.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field, replace

from channels.base import Asset, RenderContext
from channels.douyin.config import DouyinConfig
from channels.douyin.script import Note, storyboard, target_options
from publisher.content.model import ContentItem

# The encoder (channels/douyin/video.py: PyAV and NumPy, ≈ 0.5 s to import) is loaded on the first
# 抖音 render, not by every process that loads the channel registry (checks and renders of the
# other channels). Without PyAV the channel still fails to load, as before.
if importlib.util.find_spec("av") is None or importlib.util.find_spec("numpy") is None:
    raise ImportError("抖音视频需要 PyAV 和 NumPy（pip install av numpy）")

VIDEO_ROLE = "video"


@dataclass
class Post:
    payload: dict
    assets: list[Asset]
    notes: list[Note] = field(default_factory=list)


def render_post(item: ContentItem, config: DouyinConfig, account_name: str, context: RenderContext) -> Post:
    pace = target_options(item).seconds_per_caption
    if pace is not None:  # the item's own pace (targets.douyin.seconds_per_caption)
        config = config.model_copy(update={"seconds_per_caption": pace})
    board = storyboard(item, config, account_name)
    folder = None
    if context.image_cache is not None and context.image_cache.folder is not None:
        folder = context.image_cache.folder / "douyin-video"
    from channels.douyin.video import cache_for, render_video, unreadable_music

    if board.music is not None and unreadable_music(board.music):
        # A damaged file would fail the whole video with FFmpeg's English error; the editor
        # gets a finding with the file's name, and the video is rendered without it.
        board = replace(board, music=None, music_name=None, notes=[*board.notes, Note(
            "douyin-music-decode", f"背景音乐“{board.music_name}”无法读取（已损坏或不是音频文件）",
            None, ("targets", "douyin", "music"))])
    video = render_video(board, config, cache_for(folder))
    name = f"video/{video.key[:16]}.mp4"
    assets = [
        Asset(name, video.data, "video/mp4", VIDEO_ROLE, "", 1080, 1920),
        Asset(f"video/{video.key[:16]}-cover.jpg", video.cover_jpeg, "image/jpeg", "cover", "", 1080, 1920),
    ]
    payload = {
        "text": board.text,
        "title": board.title,
        "topics": board.topics,
        "captions": board.captions,
        "scripted": board.scripted,
        "pictures": [p.ref for p in board.pictures],
        "music": board.music_name,
        "video": name,
        "size": len(video.data),
        "duration": video.duration,
        "fps": video.fps,
        "width": 1080,
        "height": 1920,
        "cover_tsp": video.cover_tsp,
    }
    return Post(payload, assets, list(board.notes))
