"""What the fuzz tests share: bounded settings, a scratch content root, and the "findings only"
assertions for the loader, the checks and every renderer."""

from __future__ import annotations

import shutil
import struct
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from publish_fixtures import cover_jpeg, write_content

from publisher.checks import CheckContext, run_item_checks
from publisher.content.findings import Finding
from publisher.content.loader import load_item
from publisher.content.matrix import Matrix, load_matrix

# A per-example deadline (a hang is a failure, not a slow test): generous, the machine is shared.
from publisher.content.targets import targets_for
from publisher.render.renditions import RenderingError, render_and_check

# A per-example deadline (a hang is a failure, not a slow test): generous, the machine is shared.
DEADLINE = timedelta(seconds=10)


def fuzz_settings(examples: int) -> settings:
    """`examples` per test normally; the `long` profile's count when that profile is loaded."""
    long = settings.get_current_profile_name() == "long"
    return settings(
        max_examples=settings.default.max_examples if long else examples,
        deadline=settings.default.deadline if long else DEADLINE,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
        database=None,
    )  # fmt: skip


SITE_ACCOUNT = '\n[[accounts]]\nid = "portal"\nname = "门户"\nchannel = "site"\n'


class ScratchRoot:
    """A content root (WeChat, Weibo and site accounts) whose one item file is rewritten by
    every example; created once per test, not per example."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="fuzz-")) / "content"
        write_content(self.root, 1, "http://127.0.0.1:9", channels=("wechat", "weibo"),
                      publish_at=datetime.now(UTC) - timedelta(minutes=5))  # fmt: skip
        toml = self.root / "publisher.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + SITE_ACCOUNT, encoding="utf-8")
        self.folder = self.root / "items" / "2026" / "11" / "item-0000"
        self.index = self.folder / "index.md"
        self.matrix = load_matrix(self.root)
        self.ctx = CheckContext.build(self.matrix)

    def write(self, data: bytes | str, files: dict[str, bytes] | None = None) -> Path:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        self.index.write_bytes(raw)
        for name, content in (files or {}).items():
            (self.folder / name).write_bytes(content)
        return self.index

    def reset_cover(self) -> None:
        (self.folder / "cover.jpg").write_bytes(cover_jpeg(1))

    def close(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)


def findings_only(scratch: ScratchRoot, matrix: Matrix | None = None, *, render: bool = True) -> list[Finding]:
    """Load, check and render the scratch item; anything raised is a bug (RenderingError is the
    renderers' documented sentence for editors, so it counts as an answer)."""
    matrix = matrix or scratch.matrix
    item, findings = load_item(scratch.index, scratch.root, matrix)
    assert all(isinstance(f, Finding) for f in findings)
    if item is None:
        assert findings, "an item that cannot be loaded must say why"
        return findings
    findings = findings + run_item_checks(item, scratch.ctx)
    if render:
        for account in targets_for(item, matrix):
            try:
                _, channel_findings = render_and_check(item, matrix, account)
            except RenderingError:
                continue
            findings += channel_findings
    return findings


def png(width: int, height: int, payload: bytes = b"") -> bytes:
    """A PNG whose header declares `width × height` (the data need not match: a bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(payload)) + chunk(b"IEND", b"")
