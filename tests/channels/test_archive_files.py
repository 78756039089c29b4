"""`Channel.archive_files`: what each channel received, as the archive keeps it. A video is
archived byte for byte with its text; every file is deterministic (two renders, same bytes)."""

from __future__ import annotations

import json

from douyin_fixtures import load, make_repo


def test_a_video_post_is_archived_with_its_video_text_and_payload(tmp_path):
    make_repo(tmp_path / "content", pictures=1, script=["一条字幕"])
    item, channel = load(tmp_path / "content")
    rendition = channel.render(item)
    files = {f.name: f for f in channel.archive_files(rendition)}
    videos = [f for f in files.values() if f.label == "视频"]
    assert len(videos) == 1 and videos[0].media_type == "video/mp4"
    assert videos[0].data == rendition.asset(rendition.payload["video"]).data
    assert files["text.txt"].data.decode() == rendition.payload["text"]
    assert json.loads(files["payload.json"].data) == rendition.payload
    again = {f.name: f.data for f in channel.archive_files(channel.render(item))}
    assert again == {name: f.data for name, f in files.items()}
