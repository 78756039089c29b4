"""The storyboard as an MP4: 1080×1920 H.264 (yuv420p) + AAC stereo 44.1 kHz, made with PyAV.

PyAV's wheels carry FFmpeg's libraries (libx264 included), so `pip install` is all it needs: no
ffmpeg binary, no shelling out. Timeline: title card → one scene per caption/picture → closing
card; durations from the account's settings. Audio is the account's music (decoded, resampled,
looped or cut, faded out) or silence.

Speed on a small machine (2 shared cores): the pictures are stills, so 12 frames a second is
smooth enough for a slow pan/zoom and halves the work against 24/25; x264 `ultrafast` is about
3–5× faster than its default `medium` for such frames at a moderately larger file (`crf` 28 keeps
a 30-second video at a few MB). Both are account settings. Static cards are converted to YUV
once and re-sent with new timestamps. bench/douyin_video.py measures it against PyAV alone.

Deterministic: frames are pure functions of the storyboard, x264 is deterministic by default
(even threaded), and the MP4 carries no creation time, so the same storyboard gives the same
bytes with the same PyAV/FFmpeg build; the cache key includes that build's version.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from threading import Lock

import av
import numpy as np

from channels.douyin import frames
from channels.douyin.config import DouyinConfig
from channels.douyin.fonts import font_identity
from channels.douyin.script import Storyboard

RENDERER_VERSION = "douyin-video-1"
SAMPLE_RATE = 44_100
AUDIO_FRAME = 1024  # AAC frame size
FADE_SECONDS = 1.5


@dataclass(frozen=True)
class Video:
    data: bytes
    duration: float  # seconds
    fps: int
    cover_tsp: float  # seconds into the video of the frame used as cover (the title card)
    cover_jpeg: bytes  # that frame, for previews and the cover check
    key: str  # the cache key (content hash of everything that decides the bytes)


@dataclass(frozen=True)
class Timeline:
    title_frames: int
    scene_frames: int
    scenes: int
    closing_frames: int
    fps: int

    @property
    def total_frames(self) -> int:
        return self.title_frames + self.scene_frames * self.scenes + self.closing_frames

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps


def timeline(board: Storyboard, config: DouyinConfig) -> Timeline:
    fps = config.fps
    return Timeline(
        title_frames=max(1, round(config.title_seconds * fps)),
        scene_frames=max(1, round(config.seconds_per_caption * fps)),
        scenes=board.scene_count,
        closing_frames=max(1, round(config.closing_seconds * fps)),
        fps=fps,
    )


def cache_key(board: Storyboard, config: DouyinConfig) -> str:
    spec = {
        "renderer": RENDERER_VERSION,
        "av": av.__version__,
        "ffmpeg": str(av.library_versions.get("libavcodec")),
        "font": font_identity(config.font_path),
        "title": board.title,
        "account": board.account_name,
        "date": board.date_text,
        "captions": board.captions,
        "pictures": [p.sha256 for p in board.pictures],
        "music": hashlib.sha256(board.music).hexdigest() if board.music else None,
        "logo": hashlib.sha256(board.logo).hexdigest() if board.logo else None,
        "settings": config.model_dump(
            include={"seconds_per_caption", "title_seconds", "closing_seconds", "fps", "preset", "crf",
                     "music_volume", "font_path"}
        ),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class VideoCache:
    """Finished videos by cache key: a few in memory (render is called by preview, check, plan and
    publish in one process), and on disk under the image cache's folder when there is one."""

    def __init__(self, folder: Path | None, keep: int = 6):
        self.folder = folder
        self._memory: OrderedDict[str, Video] = OrderedDict()
        self._keep = keep
        self._lock = Lock()

    def get(self, key: str) -> Video | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        if self.folder is None:
            return None
        base = self.folder / key[:2] / key
        try:
            meta = json.loads(base.with_suffix(".json").read_text())
            video = Video(base.with_suffix(".mp4").read_bytes(), meta["duration"], meta["fps"],
                          meta["cover_tsp"], base.with_suffix(".jpg").read_bytes(), key)
        except (OSError, ValueError, KeyError):
            return None
        self._remember(video)
        return video

    def put(self, video: Video) -> None:
        self._remember(video)
        if self.folder is None:
            return
        base = self.folder / video.key[:2] / video.key
        base.parent.mkdir(parents=True, exist_ok=True)
        meta = {"duration": video.duration, "fps": video.fps, "cover_tsp": video.cover_tsp}
        # Several workers may render the same item at once: each writes a temporary file and
        # renames it, and the metadata goes last, so a reader sees a whole entry or none.
        for suffix, data in ((".mp4", video.data), (".jpg", video.cover_jpeg), (".json", json.dumps(meta).encode())):
            tmp = base.with_suffix(f"{suffix}.{os.getpid()}-{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(base.with_suffix(suffix))

    def _remember(self, video: Video) -> None:
        with self._lock:
            self._memory[video.key] = video
            self._memory.move_to_end(video.key)
            while len(self._memory) > self._keep:
                self._memory.popitem(last=False)


_CACHES: dict[Path | None, VideoCache] = {}


def cache_for(folder: Path | None) -> VideoCache:
    if folder not in _CACHES:
        _CACHES[folder] = VideoCache(folder)
    return _CACHES[folder]


def render_video(board: Storyboard, config: DouyinConfig, cache: VideoCache | None = None) -> Video:
    key = cache_key(board, config)
    if cache is not None:
        found = cache.get(key)
        if found is not None:
            return found
    video = encode(board, config, key)
    if cache is not None:
        cache.put(video)
    return video


# -- audio ------------------------------------------------------------------------------------
def unreadable_music(data: bytes) -> bool:
    """Whether `data` is not an audio file FFmpeg can decode (its first frame is tried: cheap)."""
    try:
        with av.open(io.BytesIO(data)) as source:
            stream = next(s for s in source.streams if s.type == "audio")
            next(source.decode(stream))
    except Exception:  # PyAV raises many types (and StopIteration: no audio stream or frame)
        return True
    return False


def music_samples(data: bytes, seconds: float, volume: float) -> np.ndarray:
    """The music as float32 stereo samples, `seconds` long: looped when short, faded out."""
    needed = int(round(seconds * SAMPLE_RATE))
    chunks: list[np.ndarray] = []
    with av.open(io.BytesIO(data)) as source:
        stream = next(s for s in source.streams if s.type == "audio")
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
        for frame in source.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    music = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 1), np.float32)
    if music.shape[1] < needed:
        music = np.tile(music, (1, needed // music.shape[1] + 1))
    music = music[:, :needed].astype(np.float32) * np.float32(volume)
    fade = min(needed, int(FADE_SECONDS * SAMPLE_RATE))
    if fade:
        music[:, needed - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return music


def _audio_frame(samples: np.ndarray, start: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout="stereo")
    frame.sample_rate = SAMPLE_RATE
    frame.pts = start
    frame.time_base = Fraction(1, SAMPLE_RATE)
    return frame


# -- video ------------------------------------------------------------------------------------
class YuvCaption:
    """A caption overlay converted once to YUV 4:2:0 with its alpha, for blending into frames
    that are already YUV (two numpy blends over the caption band instead of three full-frame
    RGB conversions per frame)."""

    def __init__(self, overlay: frames.Image.Image):
        alpha_full = np.asarray(overlay.getchannel("A"))
        rows = np.nonzero(alpha_full.any(axis=1))[0]
        # Rows aligned to 4: the band's own packed 4:2:0 layout needs height % 4 == 0.
        self.top = int(rows[0]) // 4 * 4
        self.bottom = min(frames.HEIGHT, (int(rows[-1]) + 4) // 4 * 4)
        band = overlay.crop((0, self.top, frames.WIDTH, self.bottom))
        # Straight (not premultiplied) colours: where alpha is 0 the colour does not matter.
        y, u, v = _planes(av.VideoFrame.from_image(band.convert("RGB")).reformat(format="yuv420p").to_ndarray(),
                          band.height)
        self.y, self.u, self.v = (p.astype(np.uint32) for p in (y, u, v))
        self.alpha = np.asarray(band.getchannel("A"), dtype=np.uint32)
        self.alpha_half = self.alpha[::2, ::2]

    def blend(self, packed: np.ndarray) -> None:
        """Alpha-blend into a packed yuv420p frame array, in place: YUV is a linear function of
        RGB, so blending the planes equals blending the pixels (up to rounding)."""
        y, u, v = _planes(packed, frames.HEIGHT)
        t, b = self.top, self.bottom
        for plane, over, a in ((y[t:b], self.y, self.alpha),
                               (u[t // 2:b // 2], self.u, self.alpha_half),
                               (v[t // 2:b // 2], self.v, self.alpha_half)):
            plane[...] = ((plane * (255 - a) + over * a + 127) // 255).astype(np.uint8)


def _planes(packed: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y, U, V views of a packed yuv420p array as PyAV lays it out: (height * 3 / 2, width)."""
    width = packed.shape[1]
    y = packed[:height]
    u = packed[height:height + height // 4].reshape(height // 2, width // 2)
    v = packed[height + height // 4:height + height // 2].reshape(height // 2, width // 2)
    return y, u, v


def _scene_frames(board: Storyboard, line: Timeline):
    """(VideoFrame in yuv420p, repeat count) in order; a generator, one frame in memory at a time."""
    def still(image) -> av.VideoFrame:
        return av.VideoFrame.from_image(image).reformat(format="yuv420p")

    yield still(frames.title_card(board.title, board.account_name, board.date_text,
                                  board.pictures[0].data if board.pictures else None)), line.title_frames
    canvases: dict[int, np.ndarray] = {}
    for scene in range(line.scenes):
        caption = board.captions[scene] if scene < len(board.captions) else ""
        overlay = frames.caption_overlay(caption)
        if not board.pictures:
            plain = frames.Image.new("RGB", (frames.WIDTH, frames.HEIGHT), frames.BACKGROUND)
            yield still(frames.with_caption(plain, overlay)), line.scene_frames
            continue
        index = scene % len(board.pictures)
        if index not in canvases:
            canvases[index] = np.asarray(frames.picture_canvas(board.pictures[index].data, scene).image)
        pixels = canvases[index]
        canvas = frames.Canvas(frames.Image.new("RGB", (pixels.shape[1], pixels.shape[0])), scene % 4)
        yuv_caption = YuvCaption(overlay) if overlay is not None else None
        for n in range(line.scene_frames):
            x0, y0, x1, y1 = frames.pan_window(canvas, n / max(1, line.scene_frames - 1))
            crop = np.ascontiguousarray(pixels[y0:y1, x0:x1])
            frame = av.VideoFrame.from_ndarray(crop, format="rgb24").reformat(
                width=frames.WIDTH, height=frames.HEIGHT, format="yuv420p", interpolation="BILINEAR"
            )
            if yuv_caption is not None:
                packed = frame.to_ndarray()
                yuv_caption.blend(packed)
                frame = av.VideoFrame.from_ndarray(packed, format="yuv420p")
            yield frame, 1
    yield still(frames.closing_card(board.account_name, board.logo)), line.closing_frames


def encode(board: Storyboard, config: DouyinConfig, key: str = "", timings: dict[str, float] | None = None) -> Video:
    """`timings`, when given, receives the seconds spent inside the encoders and the muxer
    (bench/douyin_bench.py: the floor of encoding these very frames)."""
    import time

    line = timeline(board, config)
    fps = line.fps
    total_samples = int(round(line.duration * SAMPLE_RATE))
    if board.music:
        audio = music_samples(board.music, line.duration, config.music_volume)
    else:
        audio = np.zeros((2, total_samples), np.float32)

    out = io.BytesIO()
    container = av.open(out, mode="w", format="mp4")
    vstream = container.add_stream("libx264", rate=fps)
    vstream.width, vstream.height, vstream.pix_fmt = frames.WIDTH, frames.HEIGHT, "yuv420p"
    vstream.options = {"preset": config.preset, "crf": str(config.crf)}
    astream = container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
    time_base = Fraction(1, fps)
    sent_samples = 0
    cover_jpeg = b""

    spent = 0.0

    def mux(stream, frame) -> None:
        nonlocal spent
        started = time.perf_counter()
        container.mux(stream.encode(frame))
        spent += time.perf_counter() - started

    def send_audio_until(frame_index: int) -> None:
        nonlocal sent_samples
        until = min(total_samples, int(frame_index * SAMPLE_RATE / fps))
        while sent_samples + AUDIO_FRAME <= until or (until == total_samples and sent_samples < total_samples):
            chunk = audio[:, sent_samples:sent_samples + AUDIO_FRAME]
            mux(astream, _audio_frame(chunk, sent_samples))
            sent_samples += chunk.shape[1]

    index = 0
    for frame, count in _scene_frames(board, line):
        if index == 0:
            buffer = io.BytesIO()
            frame.to_image().save(buffer, "JPEG", quality=85)
            cover_jpeg = buffer.getvalue()
        for _ in range(count):
            frame.pts, frame.time_base = index, time_base
            mux(vstream, frame)
            index += 1
            send_audio_until(index)
    mux(vstream, None)
    send_audio_until(index)
    mux(astream, None)
    started = time.perf_counter()
    container.close()
    spent += time.perf_counter() - started
    if timings is not None:
        timings["encode_seconds"] = timings.get("encode_seconds", 0.0) + spent
    cover_tsp = round(line.title_frames / fps / 2, 2)
    return Video(out.getvalue(), line.duration, fps, cover_tsp, cover_jpeg, key)
