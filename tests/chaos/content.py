"""The chaos run's content repo: several WeChat and Weibo accounts, every item to every account.

Items are due over a few minutes (front matter times have minute resolution), so the dispatcher
keeps working while workers die, and lateness can be measured against the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.publish_fixtures import MATRIX, cover_jpeg, item_text

WECHAT_SECRET = "sandbox-secret"


@dataclass(frozen=True)
class ChaosAccount:
    id: str
    channel: str  # wechat | weibo
    remote: str  # WeChat appid; Weibo access token (the sandbox derives the uid from it)

    @property
    def secret_env(self) -> dict[str, str]:
        key = "PUBLISHER_SECRET_" + self.id.upper().replace("-", "_")
        if self.channel == "wechat":
            return {key: WECHAT_SECRET}
        return {key + "_TOKEN": self.remote}


def make_accounts(wechat: int, weibo: int) -> list[ChaosAccount]:
    return [ChaosAccount(f"wx-c{i}", "wechat", f"wx-chaos-{i}") for i in range(1, wechat + 1)] + [
        ChaosAccount(f"wb-c{i}", "weibo", f"sandbox-token-chaos-{i}") for i in range(1, weibo + 1)
    ]


def _account_toml(account: ChaosAccount, sandbox: str, timeout: float) -> str:
    lines = [
        "[[accounts]]",
        f'id = "{account.id}"',
        f'name = "混沌测试{account.id}"',
        f'channel = "{account.channel}"',
        "[accounts.options]",
        f'base_url = "{sandbox}/{account.channel}"',
        f"timeout_seconds = {timeout}",
        "connect_timeout_seconds = 2",
    ]
    if account.channel == "wechat":
        lines += [f'appid = "{account.remote}"', "poll_seconds = 1"]
    else:
        lines.append("hourly_limit = 1000000")  # the platform's 30 an hour: adapter tests
    return "\n".join(lines) + "\n"


def write_chaos_content(
    root: Path,
    items: int,
    accounts: list[ChaosAccount],
    sandbox: str,
    *,
    spread_minutes: int,
    timeout: float,
    start: datetime | None = None,
) -> list[str]:
    """publisher.toml and `items` items due from `start` (default: now) over `spread_minutes`."""
    root.mkdir(parents=True, exist_ok=True)
    sandbox = sandbox.rstrip("/")
    body = "\n".join(_account_toml(a, sandbox, timeout) for a in accounts)
    (root / "publisher.toml").write_text(MATRIX.format(accounts=body), encoding="utf-8")
    start = (start or datetime.now(UTC)).replace(second=0, microsecond=0)
    ids = []
    for i in range(items):
        item_id = f"2026/12/chaos-{i:04d}"
        folder = root / "items" / item_id
        folder.mkdir(parents=True, exist_ok=True)
        due = start + timedelta(minutes=i % max(1, spread_minutes))
        (folder / "index.md").write_text(item_text(i, due), encoding="utf-8")
        (folder / "cover.jpg").write_bytes(cover_jpeg(i))
        ids.append(item_id)
    return ids
