"""Weibo's character count, as its clients count it: a Chinese character is 1, a Latin letter or
digit (U+0000–U+00FF) is 0.5, a character beyond the BMP (most emoji) is 2, and every link
counts a fixed weight whatever its length (Weibo shortens links to t.cn). The sum rounds up.

The link weight is not documented (reference/channels.md: *unverified*), so it is the account
option `url_weight`.
"""

from __future__ import annotations

import math
import re

# Links as Weibo finds them: an http(s) scheme then URL characters (ASCII only; a Chinese
# character or a full-width punctuation mark ends the link).
URL_PATTERN = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
DEFAULT_URL_WEIGHT = 20  # the account option url_weight defaults to the same


def char_weight(char: str) -> float:
    code = ord(char)
    if code <= 0xFF:
        return 0.5
    if code <= 0xFFFF:
        return 1.0
    return 2.0


def _raw_length(text: str) -> float:
    return sum(char_weight(c) for c in text)


def weibo_length(text: str, url_weight: float = DEFAULT_URL_WEIGHT) -> int:
    """The length Weibo shows for `text`, links counted as `url_weight` each, rounded up."""
    total = 0.0
    position = 0
    for match in URL_PATTERN.finditer(text):
        total += _raw_length(text[position : match.start()]) + url_weight
        position = match.end()
    total += _raw_length(text[position:])
    return math.ceil(total)


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
