"""Export the ledger's publications with their newest reach, as CSV or JSON.

One row per publication (item version × channel × account; republishes are rows of their own):
what an office archives at the end of a year, or opens in a spreadsheet. Times are local
(the matrix's timezone), ISO 8601 with their offset, so nothing is ambiguous.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from publisher.ledger import Ledger, state_label
from publisher.ledger.reach_records import FIGURES

COLUMNS = {
    "id": "编号", "item_id": "条目", "title": "标题", "department": "报送单位", "channel": "渠道",
    "account_id": "账号", "state": "状态代码", "state_label": "状态", "scheduled_at": "计划时间",
    "published_at": "发布时间", "url": "链接", "remote_id": "平台编号", "manual": "手动重发",
    "reads": "阅读量", "shares": "转发量", "likes": "点赞量", "comments": "评论量",
    "reach_measured_at": "传播数据时间",
}  # fmt: skip


def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def publication_records(ledger: Ledger, tz: ZoneInfo) -> list[dict[str, Any]]:
    versions = {v.id: v for v in ledger.list_item_versions()}
    reach = ledger.latest_reach()
    records = []
    for pub in ledger.publications():
        version = versions.get(pub.item_version_id)
        figures = reach.get(pub.id)
        records.append(
            {
                "id": pub.id,
                "item_id": pub.item_id,
                "title": version.title if version else None,
                "department": version.department if version else None,
                "channel": pub.channel,
                "account_id": pub.account_id,
                "state": pub.state.value,
                "state_label": state_label(pub.state),
                "scheduled_at": _local(pub.scheduled_at, tz),
                "published_at": _local(pub.published_at, tz),
                "url": pub.url,
                "remote_id": pub.remote_id,
                "manual": pub.manual,
                **{f: getattr(figures, f) if figures else None for f in FIGURES},
                "reach_measured_at": _local(figures.measured_at, tz) if figures else None,
            }
        )
    return records


def export_json(ledger: Ledger, tz: ZoneInfo, *, history: bool = False, now: datetime | None = None) -> bytes:
    records = publication_records(ledger, tz)
    if history:
        for record in records:
            record["reach_history"] = [
                {"measured_at": _local(m.measured_at, tz), **{f: getattr(m, f) for f in FIGURES}}
                for m in ledger.reach_history(record["id"])
            ]
    document = {
        "exported_at": _local(now or datetime.now(tz), tz),
        "timezone": str(tz),
        "publications": records,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    # Titles are editors' text: one starting with = + - @ would be a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def export_csv(ledger: Ledger, tz: ZoneInfo) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the Chinese), Chinese headings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS.values())
    for record in publication_records(ledger, tz):
        writer.writerow(_cell(record[key]) for key in COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
