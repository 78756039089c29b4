"""Permanent material (the cover of an article) of one WeChat account: uploaded once per picture.

`material/add_material` gives a `media_id` that draft/add references as `thumb_media_id`. The
media_id is kept in the shared state under the picture's SHA-256 (and its kind, image or thumb),
so every worker of every machine publishing an article with the same cover reuses one upload.

Single flight: the upload runs under a shared lock per picture (Redis for Celery workers, the
ledger for the local executor), and whoever gets the lock looks in the cache again first. Without
it, parallel workers publishing items that share a cover each uploaded it, filling the account's
material library with copies.

A material can vanish on the platform (an editor deletes it in the material library): draft/add
or freepublish/submit then answer 40007. `replace` uploads the picture again, once, and only if
nobody has done so since the rejected media_id was read, so N workers meeting the same deleted
material make one new upload.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from channels.base import Asset
from channels.errors import ChannelError, Transient
from channels.wechat.client import WeChatClient


class MaterialCache:
    def __init__(self, client: WeChatClient) -> None:
        self.client = client
        self.state = client.state
        # Held for one upload at most: the connect and read timeouts, plus a margin. A holder that
        # dies frees it when it expires; a waiter waits as long before giving up (Transient).
        config = client.config
        self.lock_seconds = config.connect_timeout_seconds + config.timeout_seconds + 10.0

    def media_for(self, asset: Asset, kind: str) -> tuple[str, str]:
        """(media_id, url) of `asset` as permanent material of `kind`, uploading it if needed."""
        cached = self._cached(asset, kind)
        if cached:
            return cached
        with self._single_flight(asset, kind):
            return self._cached(asset, kind) or self._upload(asset, kind)

    def replace(self, asset: Asset, kind: str, rejected_media_id: str) -> tuple[str, str]:
        """The platform refused `rejected_media_id` (40007): upload the picture again, unless
        another worker already replaced it, and remember the new material."""
        with self._single_flight(asset, kind):
            cached = self._cached(asset, kind)
            if cached and cached[0] != rejected_media_id:
                return cached
            return self._upload(asset, kind)

    # -- inside ------------------------------------------------------------------------------
    def _key(self, asset: Asset, kind: str) -> str:
        return self.client._key(f"material:{kind}:{asset.sha256}")

    def _cached(self, asset: Asset, kind: str) -> tuple[str, str] | None:
        raw = self.state.get(self._key(asset, kind))
        if not raw:
            return None
        media_id, _, url = raw.partition(" ")
        return media_id, url

    def _upload(self, asset: Asset, kind: str) -> tuple[str, str]:
        body = self.client.call(
            "/cgi-bin/material/add_material",
            what=f"上传封面图片 {picture_name(asset)}",
            safe_to_repeat=True,  # a second copy in the material library is invisible to readers
            params={"type": kind},
            files={"media": (upload_filename(asset.name, asset.media_type), asset.data, asset.media_type)},
        )
        media_id, url = str(body["media_id"]), str(body.get("url", ""))
        self.state.set(self._key(asset, kind), f"{media_id} {url}")
        return media_id, url

    @contextmanager
    def _single_flight(self, asset: Asset, kind: str) -> Iterator[None]:
        stack = ExitStack()
        try:
            stack.enter_context(
                self.state.lock(self.client._key(f"material-lock:{kind}:{asset.sha256}"), timeout_seconds=self.lock_seconds)
            )
        except ChannelError:
            raise
        except Exception as exc:  # noqa: BLE001 - LockTimeout, Redis down: nothing was sent
            raise Transient(
                f"上传封面图片 {picture_name(asset)} 未发出：等待其他任务上传同一图片超时或共享状态暂不可用，"
                f"稍后重试（{type(exc).__name__}）"
            ) from exc
        with stack:
            yield


def picture_name(asset: Asset) -> str:
    """The picture as the editor named it in the item (else its name in the rendition)."""
    return asset.source or asset.name


def upload_filename(name: str, media_type: str) -> str:
    base = name.rsplit("/", 1)[-1]
    if "." not in base:
        base += {"image/png": ".png", "image/gif": ".gif"}.get(media_type, ".jpg")
    return base
