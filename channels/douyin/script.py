"""From an item to a storyboard: the captions, the pictures, the music, the post's text.

Captions come from the editor's script when the item has one (`targets.douyin.text`, one
caption a line, used as written), else from the body's lead paragraphs: sentences packed into
captions of at most `caption_chars` characters, at most `max_captions` of them. Pictures are the
cover, then the body's local pictures, in order. Each scene shows one picture (in turn) under one
caption; an item with more pictures than captions shows the rest without a caption.

The post's text is the title followed by the topics as `#话题`: the item's tags plus the
account's fixed topics (the platform reads topics from the text, Douyin's documented way).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from channels.douyin.config import DouyinConfig, DouyinTargetOptions
from publisher.content.model import ContentItem, TargetSpec
from publisher.render.images import ImageProblem, check_decodes, is_remote, read_local
from publisher.render.markdown import parse

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_SOFT_BREAK = re.compile(r"(?<=[，,：:])")
_LIST_BREAK = re.compile(r"(?<=[、])")
_TOPIC_CHARS = re.compile(r"[\s#＃@]+")


@dataclass(frozen=True)
class Picture:
    ref: str  # as the item wrote it
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Note:
    code: str
    message: str
    ref: str | None = None
    key: tuple = ()  # front-matter key the note is about (for its line)
    warning: bool = False


@dataclass
class Storyboard:
    title: str
    account_name: str
    date_text: str
    captions: list[str]
    pictures: list[Picture]
    text: str
    topics: list[str]
    music: bytes | None = None
    music_name: str | None = None
    logo: bytes | None = None
    scripted: bool = False
    notes: list[Note] = field(default_factory=list)

    @property
    def scene_count(self) -> int:
        return max(len(self.captions), len(self.pictures), 1)


def douyin_spec(item: ContentItem) -> TargetSpec | None:
    return (item.meta.targets or {}).get("douyin")


def lead_paragraphs(body: str) -> list[str]:
    """Top-level paragraphs as plain text (no headings, lists, tables, footnotes, images)."""
    paragraphs: list[str] = []
    tokens = parse(body)
    for i, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.level != 0 or i + 1 >= len(tokens):
            continue
        inline = tokens[i + 1]
        text = "".join(c.content for c in (inline.children or []) if c.type in {"text", "code_inline", "softbreak"})
        text = " ".join(text.split())
        if text:
            paragraphs.append(text)
    return paragraphs


def _pieces(sentence: str, limit: int, breaks: re.Pattern = _SOFT_BREAK) -> list[str]:
    """A sentence longer than a caption, cut at commas (then at 、 inside a list), else hard at
    the limit."""
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    current = ""
    for part in breaks.split(sentence):
        if len(part) > limit and breaks is _SOFT_BREAK:
            pieces = _pieces(part, limit, _LIST_BREAK)
            part = pieces.pop()
            for piece in pieces:
                if current and len(current) + len(piece) > limit:
                    out.append(current)
                    current = piece
                else:
                    current += piece
        while len(part) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(part[:limit])
            part = part[limit:]
        if len(current) + len(part) > limit:
            out.append(current)
            current = part
        else:
            current += part
    if current:
        out.append(current)
    return [p for p in out if p]


def captions_from_body(body: str, limit: int, count: int) -> list[str]:
    captions: list[str] = []
    for paragraph in lead_paragraphs(body):
        current = ""
        for sentence in (s.strip() for s in _SENTENCE_END.split(paragraph)):
            if not sentence:
                continue
            for piece in _pieces(sentence, limit):
                if current and len(current) + len(piece) > limit:
                    captions.append(current)
                    current = piece
                else:
                    current += piece
        if current:
            captions.append(current)
        if len(captions) >= count:
            break
    return captions[:count]


def target_options(item: ContentItem) -> DouyinTargetOptions:
    """The item's own `targets.douyin` keys (script, music, seconds_per_caption). Invalid ones
    are reported by the checks (the channel's `target_options`); rendering uses the defaults."""
    spec = douyin_spec(item)
    extra = dict(getattr(spec, "model_extra", None) or {}) if spec is not None else {}
    try:
        return DouyinTargetOptions.model_validate(extra)
    except ValidationError:
        return DouyinTargetOptions()


def script_lines(item: ContentItem) -> list[str] | None:
    options = target_options(item)
    if options.script:
        return [line.strip() for line in options.script if line and line.strip()]
    spec = douyin_spec(item)
    if spec is None or not spec.text:
        return None
    return [line.strip() for line in spec.text.splitlines() if line.strip()]


def topics_for(item: ContentItem, config: DouyinConfig) -> list[str]:
    topics: list[str] = []
    for raw in [*config.topics, *item.meta.tags]:
        topic = _TOPIC_CHARS.sub("", raw)
        if topic and topic not in topics:
            topics.append(topic)
    return topics


def post_title(item: ContentItem) -> str:
    spec = douyin_spec(item)
    return spec.title if spec is not None and spec.title else item.meta.title


def _picture_refs(item: ContentItem) -> list[tuple[str, bool, tuple]]:
    refs: list[tuple[str, bool, tuple]] = []
    if item.meta.cover:
        refs.append((item.meta.cover, False, ("cover",)))
    from publisher.render.markdown import render_body

    for ref in render_body(item.body).images:
        if not is_remote(ref) and ref not in (r for r, _, _ in refs):
            refs.append((ref, True, ()))
    return refs


def _pictures(item: ContentItem) -> tuple[list[Picture], list[Note]]:
    pictures: list[Picture] = []
    notes: list[Note] = []
    seen: set[str] = set()
    for ref, encoded, key in _picture_refs(item):
        try:
            data = read_local(item.folder, ref, url_encoded=encoded)
            check_decodes(data)
        except ImageProblem as problem:
            notes.append(Note(f"douyin-{problem.code}", f"抖音视频图片“{ref}”：{problem.message}", ref, key))
            continue
        picture = Picture(ref, data)
        if picture.sha256 not in seen:
            seen.add(picture.sha256)
            pictures.append(picture)
    return pictures, notes


def _content_file(root: Path, ref: str, what: str, key: tuple, notes: list[Note],
                  folder: Path | None = None) -> bytes | None:
    """A file named relative to the item's folder (when given) or the content repo's root
    (music, logo); never outside the repo."""
    bases = ([folder] if folder is not None else []) + [root]
    for base in bases:
        path = (base / ref).resolve()
        try:
            path.relative_to(root.resolve())
        except ValueError:
            notes.append(Note("douyin-file-outside", f"{what}“{ref}”不在内容库内，已忽略", None, key))
            return None
        if path.is_file():
            return path.read_bytes()
    where = "稿件文件夹或内容库根目录" if folder is not None else "内容库根目录"
    notes.append(Note("douyin-file-missing", f"找不到{what}“{ref}”（相对{where}）", None, key))
    return None


def storyboard(item: ContentItem, config: DouyinConfig, account_name: str) -> Storyboard:
    scripted = script_lines(item)
    if scripted is not None:
        captions = scripted
    else:
        source = item.meta.summary if item.meta.summary and not item.body.strip() else item.body
        captions = captions_from_body(source, config.caption_chars, config.max_captions)
    pictures, notes = _pictures(item)
    title = post_title(item)
    topics = topics_for(item, config)
    text = " ".join([title, *(f"#{t}" for t in topics)])
    music = logo = None
    options = target_options(item)
    music_name = options.music or config.music
    if options.music:
        music = _content_file(item.root, options.music, "背景音乐", ("targets", "douyin", "music"), notes,
                              folder=item.folder)
    elif config.music:
        music = _content_file(item.root, config.music, "账号背景音乐", (), notes)
    if config.logo:
        logo = _content_file(item.root, config.logo, "账号标志图片", (), notes)
        try:
            if logo is not None:
                check_decodes(logo)
        except ImageProblem as problem:
            notes.append(Note(f"douyin-{problem.code}", f"账号标志图片“{config.logo}”：{problem.message}", None, ()))
            logo = None
    return Storyboard(
        title=title,
        account_name=account_name,
        date_text=f"{item.meta.publish_at:%Y年%-m月%-d日}",
        captions=captions,
        pictures=pictures,
        text=text,
        topics=topics,
        music=music,
        music_name=music_name if music is not None else None,
        logo=logo,
        scripted=scripted is not None,
        notes=notes,
    )
