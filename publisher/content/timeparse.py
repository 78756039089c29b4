"""Editor-friendly, timezone-aware date parsing for front matter and publisher.toml."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo


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
            parsed = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise ValueError(
                f"无法识别的时间“{text}”，请写成 2026-11-20 09:00 或 2026-11-20T09:00:00+08:00"
            ) from None
    else:
        raise ValueError(f"时间应写成 2026-11-20 09:00 的形式，而不是 {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed
