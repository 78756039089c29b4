"""The channel interface every adapter implements, and the values that cross it.

Rendering and checking are pure (no network, deterministic): preview, check, plan and publish
all see the same bytes, and `Rendition.content_hash` tells whether a published item changed.
Publishing records every irreversible step through `PublishContext.record` *before* the next
step starts, so a crash resumes instead of repeating (DESIGN.md, decision 3).
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

if TYPE_CHECKING:
    from publisher.content.findings import Finding
    from publisher.content.matrix import Account, Matrix
    from publisher.content.model import ContentItem
    from publisher.render.images import ImageCache


@dataclass(frozen=True)
class Limits:
    title_max: int | None = None
    author_max: int | None = None
    digest_max: int | None = None
    body_max: int | None = None  # characters of the rendered body / text
    image_max_bytes: int | None = None
    image_types: tuple[str, ...] = ("image/jpeg", "image/png")
    cover_ratios: tuple[str, ...] = ()
    can_retract: bool = True


@dataclass(frozen=True)
class Capabilities:
    """What the core may ask of a channel, so it never needs to know the channel's name."""

    # An edited item replaces its published version on the spot (a web page); other channels'
    # posts stay as they are until an editor republishes.
    updates_in_place: bool = False
    # Its publications are the pages of the office's own website: built from the ledger,
    # inspected as a site (home page, columns) rather than as an account.
    is_website: bool = False
    # It can report reach figures (`Channel.metrics`) for what it published.
    has_reach: bool = False


@dataclass(frozen=True)
class Asset:
    """A prepared file that goes with a rendition (body image, cover, thumb, picture)."""

    name: str  # path inside the rendition, e.g. "images/3fa2….jpg"
    data: bytes = field(repr=False)
    media_type: str
    role: str  # "body" | "cover" | "thumb" | "picture" | "variant"
    source: str = ""  # what the item referenced, e.g. "photo.jpg"
    width: int | None = None
    height: int | None = None
    # sha256 of `data` when whoever made the asset already knows it (the image cache keeps each
    # prepared picture's digest beside it): never set for other bytes; empty means "hash them".
    digest: str = field(default="", repr=False, compare=False)

    @property
    def sha256(self) -> str:
        return self.digest or hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Rendition:
    item_id: str
    channel: str
    account_id: str
    payload: dict[str, Any]  # JSON-serialisable; what the channel is sent (asset refs by name)
    assets: tuple[Asset, ...] = ()

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(self.payload, sort_keys=True, ensure_ascii=False).encode())
        for asset in sorted(self.assets, key=lambda a: a.name):
            digest.update(asset.name.encode())
            digest.update(asset.sha256.encode())
        return digest.hexdigest()

    def asset(self, name: str) -> Asset | None:
        return next((a for a in self.assets if a.name == name), None)


@dataclass(frozen=True)
class ArchiveFile:
    """One file of a rendition as the archive keeps it (`Channel.archive_files`): the bytes the
    channel was sent, under a relative "/"-separated name, with a label archivists read."""

    name: str  # e.g. "payload.json", "content.html", "assets/images/3fa2….jpg"
    data: bytes = field(repr=False)
    media_type: str
    label: str  # Chinese, e.g. "正文（HTML）"


_ASSET_LABELS = {"body": "正文图片", "cover": "封面图片", "thumb": "缩略图", "picture": "图片", "variant": "图片（尺寸版本）"}


def asset_label(asset: Asset) -> str:
    if asset.media_type.startswith("video/"):
        return "视频"
    if asset.media_type.startswith("audio/"):
        return "音频"
    return _ASSET_LABELS.get(asset.role, "附件")


@dataclass(frozen=True)
class RenderContext:
    """What a renderer may know besides the item: the matrix (site URL, columns), and where
    prepared images are cached (None: prepare every time)."""

    matrix: Matrix
    image_cache: ImageCache | None = None

# The phase an editor's `publisher retry --not-posted` records ({"at": ISO time, "by": user}):
# the platform was checked and the post of an unconfirmed attempt is not there. An adapter that
# refuses to repeat an unanswered irreversible request may repeat it when this is newer.
VERIFIED_ABSENT_PHASE = "verified_absent"


@dataclass
class Receipt:
    """What the channel has told us so far about one publication (kept in the ledger)."""

    phases: dict[str, Any] = field(default_factory=dict)  # e.g. {"draft_media_id": "…"}
    remote_id: str | None = None
    url: str | None = None


# `PublishStatus.state` of a reconcile that found the post never arrived.
ABSENT = "absent"


@dataclass(frozen=True)
class PublishStatus:
    state: str  # "published" | "publishing" | "failed" | "deleted" | "absent" (reconcile only)
    url: str | None = None
    remote_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Existing:
    """A post the platform already carries for a rendition (`Channel.find_existing`)."""

    remote_id: str | None
    url: str | None
    # The receipt phases this channel's status, reach and retract read later, as if it had
    # published the post itself.
    phases: dict[str, Any] = field(default_factory=dict)
    published_at: datetime | None = None


@dataclass(frozen=True)
class Metrics:
    reads: int | None = None
    shares: int | None = None
    likes: int | None = None
    comments: int | None = None
    measured_at: datetime | None = None


class LockTimeout(TimeoutError):
    """`SharedState.lock`: another holder kept the lock longer than we were willing to wait."""


class SharedState(Protocol):
    """Token cache, locks and rate budgets shared by every worker (Redis, or the ledger DB)."""

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None: ...
    def lock(self, key: str, timeout_seconds: float = 30.0): ...  # context manager; LockTimeout
    def incr_window(self, key: str, window_seconds: float) -> int: ...


class PublishContext(Protocol):
    publication_id: int
    idempotency_key: str
    receipt: Receipt
    state: SharedState

    def record(self, phase: str, **data: Any) -> None:
        """Persist phase data in the ledger before the next irreversible step."""


def note_phase(ctx: PublishContext, phase: str, **data: Any) -> None:
    """Phase data that need not be on disk before the next request: what a repeatable, invisible
    step brought back (an upload's id: redoing it harms nothing), or the last step's answer
    (saved with the row's final state). The publish path's context saves it with its next write,
    one commit fewer (issue 17); a context without `note` saves it at once, as `record` does.
    Never use it for an intent mark: those must be saved before the request they announce."""
    note = getattr(ctx, "note", None)
    if note is None:
        ctx.record(phase, **data)
    else:
        note(phase, **data)


class AccountConfig(BaseModel):
    """Base of each channel's per-account options (`[accounts.options]` in publisher.toml).

    Every option whose name ends in `url` (base_url, web_url, …) must be an http(s) URL with a
    host: a typo there would otherwise surface only as a failed publication on publishing day."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _urls_are_http(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name and info.field_name.endswith("url") and isinstance(value, str) and not _HTTP_URL.match(value):
            raise ValueError(f"“{value}”不是有效的网址：应以 http:// 或 https:// 开头，后接主机名（不含空格）")
        return value


_HTTP_URL = re.compile(r"^https?://[^\s/?#]+(?:[/?#]\S*)?$")


class Channel(ABC):
    """One kind of outlet. Everything the core needs to know about a channel is asked here;
    the built-in channels use exactly this interface, like any plugin registered through the
    `publisher.channels` entry point."""

    name: ClassVar[str]
    title: ClassVar[str]  # Chinese display name, e.g. "微信公众号"
    config_class: ClassVar[type[AccountConfig]] = AccountConfig
    limits: ClassVar[Limits] = Limits()
    capabilities: ClassVar[Capabilities] = Capabilities()
    # Channel-specific keys an item may set under `targets.<name>` besides the common ones
    # (accounts, title, digest, author, text, content_source_url); validated by checks.
    target_options: ClassVar[type[BaseModel] | None] = None
    # Secrets an account needs, by name (`publisher.settings.secret_env_name`: "secret" lives in
    # `PUBLISHER_SECRET_<ACCOUNT>`, "token" in `PUBLISHER_SECRET_<ACCOUNT>_TOKEN`).
    secrets: ClassVar[tuple[str, ...]] = ()
    # Posting budget per account unless publisher.toml says otherwise: {"per_day": 100}.
    default_quota: ClassVar[dict[str, int]] = {}
    # Reports and charts: order of the channel's column and its colour.
    report_order: ClassVar[int] = 100
    colour: ClassVar[str] = "#546e7a"

    def __init__(self, account: Account, context: RenderContext):
        self.account = account
        self.context = context
        self.config = self.config_class.model_validate(account.options)

    @abstractmethod
    def render(self, item: ContentItem) -> Rendition: ...

    def options_for(self, item: ContentItem) -> BaseModel | None:
        """This channel's own `targets.<name>` keys of an item, parsed (`target_options`); None
        when the channel declares none. Checks report invalid ones, so this falls back to
        defaults rather than failing a render."""
        if self.target_options is None:
            return None
        spec = (item.meta.targets or {}).get(self.name)
        try:
            return self.target_options.model_validate(dict(spec.model_extra or {}) if spec else {})
        except ValueError:
            return self.target_options()

    def check(self, item: ContentItem, rendition: Rendition) -> list[Finding]:
        return []

    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        raise NotImplementedError

    def status(self, receipt: Receipt, ctx: PublishContext) -> PublishStatus:
        return PublishStatus(state="published", url=receipt.url, remote_id=receipt.remote_id)

    def metrics(self, receipt: Receipt, ctx: PublishContext) -> Metrics | None:
        return None

    def reconcile(self, receipt: Receipt, ctx: PublishContext, rendition: Rendition) -> PublishStatus | None:
        """After an `Unconfirmed`: what the channel says happened — a status (published,
        publishing, failed), `PublishStatus(ABSENT)` when the post never arrived — or None when
        the channel offers no way to tell; the editor then decides."""
        return None

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        from channels.errors import NotSupported

        raise NotSupported(f"{self.title}不支持撤稿")

    def find_existing(self, renditions: list[Rendition], state: SharedState) -> dict[str, Existing] | None:
        """Which of these renditions this account already carries (`publisher adopt`, for a new,
        foreign or restored ledger), by item id — found ones only — or None when the channel
        cannot tell (the default). Reads only: never posts, never deletes."""
        return None

    # -- accounts --------------------------------------------------------------------------
    def endpoint(self) -> str:
        """Where this account's publications go, for `publisher accounts` (no secrets)."""
        return str(self.account.options.get("base_url") or "—")

    def verify(self, state: SharedState) -> str:
        """One harmless call proving the credentials work; returns a sentence for editors,
        raises `ChannelError` when they do not."""
        return "无需核验"

    # -- a website (`capabilities.is_website`) ------------------------------------------
    def pages_dir(self) -> Path | None:
        """The folder the website's pages are built in, which inspection reads, when the account
        configures one; None otherwise (the caller's `settings.site_dir`) and for every channel
        that is not a website."""
        return None

    def build_pages(self, content_root: Path, out: Path, *, now: datetime | None = None,
                    workers: int | None = None, image_dir: Path | None = None,
                    items: list[ContentItem] | None = None, from_ledger: bool = False, gate: Any = None) -> Any:
        """Build the whole website into `out`; returns a report with `pages`, `written`,
        `unchanged`, `removed` and `problems` (sentences for editors). `items`: exactly these
        items (the ledger's published versions with `from_ledger`, every one of them live).

        `gate` (without `items`: the build loads the items from the files itself): an object with
        `key` (what its verdicts depend on besides the item's files; a verdict is remembered only
        under the same key), `prepare()` (called once before the first item is judged) and
        `judge(item, load_findings)` → (passes, this channel's rendition of the item or None),
        called for every item that changed; an item that does not pass has no page, and the
        report then also has `blocked` and `passed` counts, `owned` (files on the site) and
        `inputs` (what the build read and wrote, to tell by stat alone that nothing changed
        since: see channels/site/builder.py, BuildReport.inputs) or None."""
        from channels.errors import NotSupported

        raise NotSupported(f"{self.title}不是网站，不能生成网页")

    def deploy_pages(self, out: Path) -> str:
        """Deploy the built folder as the account's settings say; returns a sentence, raises
        `ChannelError` when deployment fails."""
        from channels.errors import NotSupported

        raise NotSupported(f"{self.title}不是网站，不能部署网页")

    # -- archive ---------------------------------------------------------------------------
    # Text fields of the payload the archive also keeps as files of their own, so an archivist
    # opens the body without reading JSON: payload key → (file name, Chinese label).
    archive_texts: ClassVar[dict[str, tuple[str, str]]] = {}

    def archive_files(self, rendition: Rendition) -> list[ArchiveFile]:
        """What this channel received for one publication, as files: the payload exactly as
        sent (JSON), the text fields named in `archive_texts`, and every asset (pictures,
        videos) byte for byte. Channels may override; the result must be deterministic."""
        import mimetypes

        payload = json.dumps(rendition.payload, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        files = [ArchiveFile("payload.json", payload.encode(), "application/json", "发送的全部内容（原始数据）")]
        for key, (name, label) in sorted(self.archive_texts.items()):
            value = rendition.payload.get(key)
            if isinstance(value, str) and value:
                media = mimetypes.guess_type(name)[0] or "text/plain"
                files.append(ArchiveFile(name, value.encode(), media, label))
        for asset in sorted(rendition.assets, key=lambda a: a.name):
            files.append(ArchiveFile(f"assets/{asset.name}", asset.data, asset.media_type, asset_label(asset)))
        return files

    # -- preview ---------------------------------------------------------------------------
    def preview(self, item: ContentItem, rendition: Rendition, when: datetime) -> str:
        """An HTML fragment showing the rendition as readers will see it, self-contained
        (assets as data: URIs, see `channels.preview_kit`), for the preview page. The default
        lists the payload's text fields and pictures."""
        from channels.preview_kit import generic_pane

        return generic_pane(rendition)

    # -- sandbox ---------------------------------------------------------------------------
    @classmethod
    def sandbox(cls, faults: Any) -> Any | None:
        """A WSGI app speaking this channel's protocol locally (decision 7), mounted by the
        sandbox server under `/<name>` with the server's fault switches
        (`channels.sandbox_faults.Faults`); None when the channel has none."""
        return None

    @classmethod
    def sandbox_options(cls, sandbox_url: str) -> dict[str, Any]:
        """Account options that point an account at the sandbox served at `sandbox_url`."""
        return {}

    @classmethod
    def sandbox_secrets(cls, account_id: str) -> dict[str, str]:
        """Secrets the sandbox accepts for this account, by name (demo and tests only)."""
        return {}



class RemoteChannel(Channel):
    """A channel whose publishing talks to a platform API through a publisher object
    (channels/<name>/publishing.py). Subclasses name it in `_publisher`, imported on first use so
    rendering and checking work without the HTTP stack."""

    @abstractmethod
    def _publisher(self, ctx: PublishContext) -> Any: ...

    def publish(self, rendition: Rendition, ctx: PublishContext) -> Receipt:
        return self._publisher(ctx).publish(rendition, ctx)

    def status(self, receipt: Receipt, ctx: PublishContext) -> PublishStatus:
        return self._publisher(ctx).status(receipt, ctx)

    def metrics(self, receipt: Receipt, ctx: PublishContext) -> Metrics | None:
        return self._publisher(ctx).metrics(receipt, ctx)

    def retract(self, receipt: Receipt, ctx: PublishContext) -> None:
        self._publisher(ctx).retract(receipt, ctx)

    def reconcile(self, receipt: Receipt, ctx: PublishContext, rendition: Rendition) -> PublishStatus | None:
        return self._publisher(ctx).reconcile(receipt, ctx, rendition)

    def find_existing(self, renditions: list[Rendition], state: SharedState) -> dict[str, Existing] | None:
        return None if not renditions else self._existing(renditions, state)

    def _existing(self, renditions: list[Rendition], state: SharedState) -> dict[str, Existing] | None:
        return None

    @classmethod
    def sandbox_options(cls, sandbox_url: str) -> dict[str, Any]:
        return {"base_url": f"{sandbox_url.rstrip('/')}/{cls.name}"}
