"""Quarters as offices count them: calendar quarters in the office's timezone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

_NUMERALS = "一二三四"


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026Q4`, `2026-Q4` or `2026q4`."""
        match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*", text or "")
        if not match:
            raise ValueError(f"无法识别的季度“{text}”，请写成 2026Q4 的形式")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def containing(cls, moment: datetime, tz: tzinfo) -> Quarter:
        local = moment.astimezone(tz)
        return cls(local.year, (local.month - 1) // 3 + 1)

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the quarter (exclusive bound)."""
        following = self.following()
        return datetime(following.year, 3 * following.number - 2, 1, tzinfo=tz)

    def following(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def contains(self, moment: datetime | None, tz: tzinfo) -> bool:
        return moment is not None and self.start(tz) <= moment < self.end(tz)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year} 年第{_NUMERALS[self.number - 1]}季度"

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Year:
    """A calendar year in the office's timezone: the period of the annual 考核."""

    year: int

    def start(self, tz: tzinfo) -> datetime:
        return datetime(self.year, 1, 1, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        return datetime(self.year + 1, 1, 1, tzinfo=tz)

    def contains(self, moment: datetime | None, tz: tzinfo) -> bool:
        return moment is not None and self.start(tz) <= moment < self.end(tz)

    @property
    def code(self) -> str:
        return str(self.year)

    @property
    def label(self) -> str:
        return f"{self.year} 年"

    def __str__(self) -> str:
        return self.code
