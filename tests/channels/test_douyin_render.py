"""The 抖音 rendition: a real MP4 decoded with PyAV (resolution, codec, duration, audio, captions
burned in), deterministic, cached by content hash; limits as findings with file:line."""

from __future__ import annotations

import numpy as np
import pytest
from douyin_fixtures import decode, load, make_repo

from channels.douyin import frames
from channels.douyin.config import DouyinConfig
from channels.douyin.script import captions_from_body, storyboard
from channels.douyin.video import VideoCache, cache_key, render_video
from channels.registry import available
from publisher.render.images import ImageCache


def video_of(rendition):
    return next(a for a in rendition.assets if a.role == "video")


def test_registered_only_through_the_entry_point():
    from channels import registry

    assert "douyin" not in registry._BUILTIN
    assert available()["douyin"].__name__ == "DouyinChannel"


def test_mp4_is_1080x1920_h264_aac_with_the_scripted_duration(tmp_path):
    make_repo(tmp_path, pictures=2, script=["第一条字幕", "第二条字幕", "第三条字幕"])
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    facts, decoded, audio = decode(video_of(rendition).data)
    assert (facts["codec"], facts["width"], facts["height"], facts["pix_fmt"]) == ("h264", 1080, 1920, "yuv420p")
    assert facts["audio"] == ["aac"] and facts["audio_rate"] == [44_100]
    # title 1 s + 3 captions × 1 s + closing 1 s, at 6 fps
    assert rendition.payload["duration"] == pytest.approx(5.0)
    assert len(decoded) == 30
    assert facts["duration"] == pytest.approx(5.0, abs=0.1)
    assert audio.shape[1] / 44_100 == pytest.approx(5.0, abs=0.1)
    assert float(np.abs(audio).max()) < 1e-3  # no music named: a silent track
    assert rendition.payload["captions"] == ["第一条字幕", "第二条字幕", "第三条字幕"]
    assert rendition.payload["text"] == "第三届滨江开放数据创新应用大赛启动报名 #开放数据 #创新大赛"


def test_caption_is_burned_into_the_picture_frames(tmp_path):
    make_repo(tmp_path, pictures=1, script=["数据赋能 智惠民生"])
    item, channel = load(tmp_path)
    config = channel.config
    _, decoded, _ = decode(video_of(channel.render(item)).data)
    # Frame 8: 2 frames into the one scene (title card = frames 0..5, scene = 6..11).
    time, caption_frame = decoded[8]
    assert time == pytest.approx(8 / 6)
    board = storyboard(item, config, "滨江数据")
    canvas = frames.picture_canvas(board.pictures[0].data, 0)
    plain = np.asarray(frames.pan_zoom(canvas, 2 / 5), dtype=np.int16)
    shown = np.asarray(caption_frame, dtype=np.int16)
    overlay = np.asarray(frames.caption_overlay("数据赋能 智惠民生").getchannel("A"))
    band = overlay > 0
    outside = np.abs(shown - plain)[~band].mean()
    inside = np.abs(shown - plain)[band].mean()
    assert outside < 6, "the picture itself matches a Pillow drawing of the same pan/zoom step"
    assert inside > 40, "the caption band changes the picture where it is drawn"
    # and the caption frame is not the title card
    assert np.abs(shown - np.asarray(decoded[2][1], dtype=np.int16)).mean() > 20


def test_same_item_twice_gives_the_same_bytes_and_frames(tmp_path):
    make_repo(tmp_path, pictures=2)
    item, channel = load(tmp_path)
    config = channel.config
    board = storyboard(item, config, "滨江数据")
    first = render_video(board, config, VideoCache(None))
    second = render_video(board, config, VideoCache(None))  # a fresh cache: encoded again
    assert first.data == second.data
    frames_a = [np.asarray(im) for _, im in decode(first.data)[1]]
    frames_b = [np.asarray(im) for _, im in decode(second.data)[1]]
    assert all((a == b).all() for a, b in zip(frames_a, frames_b, strict=True))
    # the rendition's hash is therefore stable too
    assert channel.render(item).content_hash == channel.render(item).content_hash


def test_video_is_cached_on_disk_by_content_hash(tmp_path):
    make_repo(tmp_path / "repo", pictures=1)
    item, channel = load(tmp_path / "repo")
    channel.context = channel.context.__class__(matrix=channel.context.matrix, image_cache=ImageCache(tmp_path / "cache"))
    rendition = channel.render(item)
    board = storyboard(item, channel.config, "滨江数据")
    key = cache_key(board, channel.config)
    stored = tmp_path / "cache" / "douyin-video" / key[:2] / f"{key}.mp4"
    assert stored.read_bytes() == video_of(rendition).data
    assert VideoCache(tmp_path / "cache" / "douyin-video").get(key).data == stored.read_bytes()
    # another caption changes the key
    other = storyboard(item, channel.config, "另一个账号")
    assert cache_key(other, channel.config) != key


def test_music_from_the_content_repo_is_the_audio_track(tmp_path):
    make_repo(tmp_path, pictures=1, music=True, logo=True)
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    _, decoded, audio = decode(video_of(rendition).data)
    assert rendition.payload["music"] == "media/theme.wav"
    loud = float(np.sqrt((audio[:, : 44_100] ** 2).mean()))
    assert loud > 0.05, "the sine is heard"
    # looped past its 1.5 s and faded out at the end
    assert float(np.abs(audio[:, 2 * 44_100: 3 * 44_100]).max()) > 0.1
    assert float(np.abs(audio[:, -200:]).max()) < 0.05
    assert channel.check(item, rendition) == [] or all(not f.is_error for f in channel.check(item, rendition))


def test_captions_from_lead_paragraphs_pack_sentences():
    body = "第一句话。第二句话！\n\n## 小标题\n\n第三段很长很长很长很长很长很长很长很长很长很长，后半句也很长很长很长很长很长很长很长。\n"
    captions = captions_from_body(body, limit=16, count=10)
    assert captions[0] == "第一句话。第二句话！"
    assert all(len(c) <= 16 for c in captions)
    assert "小标题" not in "".join(captions)
    assert captions_from_body(body, limit=16, count=1) == ["第一句话。第二句话！"]


def test_limits_are_findings_with_file_and_line(tmp_path):
    index = make_repo(
        tmp_path, pictures=1, tags=["一", "二", "三", "四", "五", "六"],
        douyin_title="很长" * 30, options={"duration_max": 3.0},
    )
    item, channel = load(tmp_path)
    findings = {f.code: f for f in channel.check(item, channel.render(item))}
    lines = index.read_text(encoding="utf-8").splitlines()
    title = findings["douyin-title-too-long"]
    assert title.path == "items/2026/11/contest/index.md"
    assert "title:" in lines[title.line - 1] and "很长" in lines[title.line - 1]
    topics = findings["douyin-too-many-topics"]
    assert lines[topics.line - 1].startswith("tags:")
    assert "6 个" in topics.message
    assert "douyin-too-long" in findings and findings["douyin-too-long"].is_error


def test_missing_music_file_is_an_error_finding(tmp_path):
    make_repo(tmp_path, pictures=1, options={"music": "media/nothing.mp3"})
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    codes = [f.code for f in channel.check(item, rendition) if f.is_error]
    assert "douyin-file-missing" in codes
    assert rendition.payload["music"] is None


def test_item_without_pictures_still_renders_with_a_warning(tmp_path):
    make_repo(tmp_path, pictures=0, script=["只有文字"])
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    facts, decoded, _ = decode(video_of(rendition).data)
    assert facts["width"] == 1080 and len(decoded) == 18
    warnings = [f.code for f in channel.check(item, rendition) if not f.is_error]
    assert "douyin-no-pictures" in warnings


def test_config_defaults_stay_within_documented_platform_limits():
    config = DouyinConfig()
    assert config.duration_max <= 15 * 60
    assert config.simple_upload_max <= 128 * 1024 * 1024
    assert config.part_size >= 5 * 1024 * 1024


def test_publisher_render_writes_the_mp4_an_editor_can_play(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from publisher.cli import app

    make_repo(tmp_path / "repo", pictures=1, script=["一条字幕"])
    monkeypatch.setenv("PUBLISHER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PUBLISHER_CONTENT_DIR", str(tmp_path / "repo"))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", "2026/11/contest", "--channel", "douyin", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads((out / "payload.json").read_text("utf-8"))
    facts, _, _ = decode((out / payload["video"]).read_bytes())
    assert (facts["width"], facts["height"]) == (1080, 1920)
    assert (out / "text.txt").read_text("utf-8").startswith("第三届")
    # rendered into the state folder's cache: the second render reads it back
    assert list((tmp_path / "state" / "cache" / "images" / "douyin-video").rglob("*.mp4"))


def test_preview_pane_is_a_phone_frame_playing_the_video(tmp_path):
    import base64
    import re
    from datetime import datetime

    make_repo(tmp_path, pictures=1, script=["一条字幕"])
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    html = channel.preview(item, rendition, datetime(2026, 11, 20, 9, 0))
    assert 'class="video-frame"' in html and "<video controls" in html
    src = re.search(r'<video[^>]* src="data:video/mp4;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(src) == video_of(rendition).data
    assert re.search(r'poster="data:image/jpeg;base64,', html)
    assert "#开放数据" in html and "一条字幕" in html and "@滨江数据" in html


def test_item_script_music_and_pace_from_targets_douyin(tmp_path):
    from douyin_fixtures import sine_wav

    index = make_repo(
        tmp_path, pictures=1, item_files={"bgm.wav": sine_wav(1.0, 660.0)},
        target_extra=["script:", "  - 第一条", "  - 第二条", "music: bgm.wav", "seconds_per_caption: 2"],
    )
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    assert rendition.payload["captions"] == ["第一条", "第二条"]
    assert rendition.payload["music"] == "bgm.wav"
    assert rendition.payload["duration"] == pytest.approx(1 + 2 * 2 + 1)
    _, _, audio = decode(video_of(rendition).data)
    assert float(np.abs(audio[:, :44_100]).max()) > 0.1
    # a wrong value is the checks' business (the channel's target_options), with its line;
    # rendering goes on with the defaults
    from publisher.checks.context import CheckContext
    from publisher.checks.targets import check_targets

    text = index.read_text(encoding="utf-8").replace("seconds_per_caption: 2", "seconds_per_caption: 99")
    index.write_text(text, encoding="utf-8")
    item, channel = load(tmp_path)
    [bad] = [f for f in check_targets(item, CheckContext(matrix=channel.context.matrix)) if f.code == "invalid-target-option"]
    assert "seconds_per_caption: 99" in text.splitlines()[bad.line - 1]
    assert channel.render(item).payload["captions"] != ["第一条", "第二条"]


def test_a_truncated_picture_is_a_finding_in_chinese_not_a_crash(tmp_path):
    # Its header is whole, so only decoding it shows the damage; that used to fail the video's
    # frames with Pillow's English OSError ("check-crashed") in place of a finding with its name.
    make_repo(tmp_path, pictures=2, script=["第一条字幕"])
    item, channel = load(tmp_path)
    photo = next(item.folder.glob("photo-2.jpg"))
    photo.write_bytes(photo.read_bytes()[: len(photo.read_bytes()) // 2])
    rendition = channel.render(item)
    findings = channel.check(item, rendition)
    damaged = [f for f in findings if f.code == "douyin-image-decode"]
    assert damaged and damaged[0].is_error and "photo-2.jpg" in damaged[0].message
    assert "已损坏或不完整" in damaged[0].message
    assert rendition.payload["pictures"] == ["photo-1.jpg"]


def test_a_logo_that_is_not_a_picture_is_a_finding_and_the_video_renders(tmp_path):
    make_repo(tmp_path, pictures=1, script=["第一条字幕"], logo=True)
    (tmp_path / "media" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    item, channel = load(tmp_path)
    rendition = channel.render(item)
    assert video_of(rendition).data  # rendered without the logo
    damaged = [f for f in channel.check(item, rendition) if f.code == "douyin-image-decode"]
    assert damaged and "账号标志图片“media/logo.png”" in damaged[0].message, damaged


def test_damaged_music_is_a_finding_and_the_video_renders_without_it(tmp_path):
    make_repo(tmp_path, pictures=1, script=["第一条字幕"], music=True)
    (tmp_path / "media" / "theme.wav").write_bytes(b"RIFF" + b"\0" * 60)
    item, channel = load(tmp_path)
    rendition = channel.render(item)  # FFmpeg's English error used to fail the whole render
    assert video_of(rendition).data and rendition.payload["music"] is None
    damaged = [f for f in channel.check(item, rendition) if f.code == "douyin-music-decode"]
    assert damaged and damaged[0].is_error and "media/theme.wav" in damaged[0].message
