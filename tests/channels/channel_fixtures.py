"""Helpers for the channel adapter tests (imported by the tests and conftest.py)."""

from __future__ import annotations

import io
import socket
import uuid
from typing import Any

import requests
from PIL import Image

from channels.base import Asset, Receipt, Rendition
from publisher.runtime.redis_state import MemoryState


class Crash(Exception):
    """Stands for a worker dying right after a phase was saved."""


class LedgerLikeContext:
    """PublishContext as the ledger implements it: phases[phase] = {**old, **data}."""

    def __init__(self, key: str | None = None, receipt: Receipt | None = None, crash_after: str | None = None):
        self.publication_id = 1
        self.idempotency_key = key or f"pub-{uuid.uuid4().hex[:12]}"
        self.receipt = receipt or Receipt()
        self.state = MemoryState()
        self.recorded: list[tuple[str, dict[str, Any]]] = []
        self.crash_after = crash_after

    def record(self, phase: str, **data: Any) -> None:
        self.recorded.append((phase, data))
        self.receipt.phases[phase] = {**self.receipt.phases.get(phase, {}), **data}
        if phase == self.crash_after:
            raise Crash(phase)

    def phase_names(self) -> list[str]:
        return [phase for phase, _ in self.recorded]


def image_bytes(color: str = "red", fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def wechat_rendition(title: str = "市政府召开全市安全生产工作会议", body_color: str = "red", **payload: Any) -> Rendition:
    data = {
        "title": title,
        "author": "办公室",
        "digest": "会议部署下一阶段重点工作。",
        "content": '<p style="color:#333">会议强调，要压实责任。</p><p><img src="asset:images/body.png"></p>',
        "content_source_url": "http://127.0.0.1:8000/news/meeting.html",
        "need_open_comment": 0,
        "cover": "images/cover.jpg",
        **payload,
    }
    assets = (
        Asset("images/body.png", image_bytes(body_color), "image/png", "body", "photo.png", 64, 48),
        Asset("images/cover.jpg", image_bytes("blue", "JPEG", (235, 100)), "image/jpeg", "cover", "cover.jpg", 235, 100),
    )
    return Rendition("item-1", "wechat", "wx-main", data, assets)


def new_appid() -> str:
    """Any `wx…` appid is a sandbox account: a fresh one per test keeps tests independent."""
    return f"wx-test-{uuid.uuid4().hex[:10]}"


def new_weibo_token() -> str:
    return f"sandbox-token-{uuid.uuid4().hex[:10]}"


class SandboxAdmin:
    """The admin endpoints over HTTP, as tests and operators use them."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def faults(self, **changes: Any) -> dict:
        response = requests.post(f"{self.base_url}/_admin/faults", json=changes, timeout=5)
        response.raise_for_status()
        return response.json()

    def counters(self) -> dict:
        return requests.get(f"{self.base_url}/_admin/counters", timeout=5).json()

    def post(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.base_url}/_admin/{path}", json=body, timeout=5)
        response.raise_for_status()
        return response.json()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
