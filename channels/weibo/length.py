"""Weibo's character count, as its clients count it: a Chinese character is 1, a Latin letter or
digit (U+0000–U+00FF) is 0.5, a character beyond the BMP (most emoji) is 2. The sum rounds up.

How a link counts is not documented (reference/channels.md: *unverified*). Weibo shortens links to
t.cn and the common reading counts each as a fixed 20; a stricter reading of share.json counts the
link's own characters, and refuses (20012) long posts with long links that the fixed reading lets
through. By default a link therefore counts conservatively, max(its own weight, 20), so a post that
passes here passes under both readings. An office that has verified the shortened-link weight on
its own account sets the account option `url_weight` (e.g. 20) and every link counts that much.
"""

from __future__ import annotations

import math
import re

# Links as Weibo finds them: an http(s) scheme then URL characters (ASCII only; a Chinese
# character or a full-width punctuation mark ends the link).
URL_PATTERN = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
SHORT_LINK_WEIGHT = 20  # a t.cn link, as the common reading counts every link


def char_weight(char: str) -> float:
    code = ord(char)
    if code <= 0xFF:
        return 0.5
    if code <= 0xFFFF:
        return 1.0
    return 2.0


_LATIN1 = re.compile(r"[\x00-\xff]+")


def _raw_length(text: str) -> float:
    """The sum of `char_weight` over `text`, counted without a Python call per character (whole
    summaries are weighed before they are cut): every weight is a multiple of 0.5, so the float
    sum is exact either way."""
    if text.isascii():
        return len(text) * 0.5
    latin = len(text) - len(_LATIN1.sub("", text))
    beyond_bmp = len(text.encode("utf-16-le", "surrogatepass")) // 2 - len(text)
    return latin * 0.5 + (len(text) - latin - beyond_bmp) + beyond_bmp * 2.0


def link_weight(url: str, url_weight: float | None = None) -> float:
    """What one link counts: `url_weight` when the account set it, else max(own weight, 20)."""
    if url_weight is not None:
        return url_weight
    return max(_raw_length(url), SHORT_LINK_WEIGHT)


def weibo_length(text: str, url_weight: float | None = None) -> int:
    """The length of `text` as Weibo counts it, rounded up; links as `link_weight` says."""
    total = 0.0
    position = 0
    for match in URL_PATTERN.finditer(text):
        total += _raw_length(text[position : match.start()]) + link_weight(match.group(), url_weight)
        position = match.end()
    total += _raw_length(text[position:])
    return math.ceil(total)


def link_rule(url_weight: float | None) -> str:
    """How links were counted, for editors' messages."""
    if url_weight is None:
        return f"链接按其本身字数计、至少 {SHORT_LINK_WEIGHT} 字"
    return f"每个链接按 {url_weight:g} 字计"


def fit(text: str, budget: float, ellipsis: str = "…") -> str:
    """The longest prefix of `text` (links not treated specially) whose weight stays within
    `budget`, with an ellipsis when cut. Used only for text we derived ourselves: an editor's
    own text is never cut, it is reported."""
    if _raw_length(text) <= budget:
        return text
    room = budget - _raw_length(ellipsis)
    used, end = 0.0, 0
    for index, char in enumerate(text):
        if used + char_weight(char) > room:
            break
        used += char_weight(char)
        end = index + 1
    return text[:end].rstrip() + ellipsis if end else ""
