"""Editor-friendly, timezone-aware date parsing for front matter and publisher.toml."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

# How editors also write a moment: single-digit month, day or hour, 年月日, a full-width colon
# ("2026年12月4日 9:00", "2026-12-4 9：00"). No offset here: those go through fromisoformat.
_WRITTEN = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|\s*T\s*|(?<=日)\s*)(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?)?"
)


def parse_local_datetime(value: object, tz: tzinfo) -> datetime:
    """Parse `2026-11-20 09:00`, `2026-11-20T09:00:00+08:00` or `2026-11-20` (midnight).

    A time without an offset is read in the office's timezone; the result is always aware.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("时间不能为空")
        try:
            parsed = _written(text)
        except ValueError:
            raise ValueError(
                f"无法识别的时间“{text}”，请写成 2026-11-20 09:00 或 2026-11-20T09:00:00+08:00"
            ) from None
    else:
        raise ValueError(f"时间应写成 2026-11-20 09:00 的形式，而不是 {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _written(text: str) -> datetime:
    """ISO 8601 (with '/' for '-'), else the forms in `_WRITTEN`; ValueError for anything else,
    including impossible dates (2026-13-04) — never a guess."""
    try:
        return datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        found = _WRITTEN.fullmatch(text)
        if found is None:
            raise
        return datetime(*(int(part) for part in found.groups() if part is not None))
