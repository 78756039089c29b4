"""WeChat Official Account sandbox: the publishing API as documented, on 127.0.0.1.

Accounts: any appid starting with `wx` whose secret is `sandbox-secret` (so `wx-sandbox-1`,
`wx-sandbox-2`, … work out of the box; set PUBLISHER_SECRET_<ACCOUNT>=sandbox-secret), or the
explicit `secrets` of `WeChatSandboxConfig`.

Endpoints: cgi-bin/token, cgi-bin/stable_token, cgi-bin/media/uploadimg,
cgi-bin/material/{add_material,del_material}, cgi-bin/draft/add,
cgi-bin/freepublish/{submit,get,delete,batchget},
cgi-bin/clear_quota, datacube/{getarticlesummary,getarticletotal}. Field limits, error codes,
daily quotas and image rules follow reference/channels.md; publish jobs finish
`publish_delay_seconds` after submission. Readable pages: `/` (index), `/s/<article_id>`, images
under `/mmbiz/`. Extra admin: `POST _admin/invalidate_token {"appid": …}`, and
`POST _admin/delete_material {"appid": …, "media_id": …}` (one material, or every material of the
account without `media_id`), as an editor deleting it in the material library would.

A draft references its cover by `thumb_media_id`: draft/add answers 40007 when that material does
not exist (deleted, or the `material_invalid` fault), and so does freepublish/submit for a draft
whose cover was deleted since. Counters add `material_uploads` by appid.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox_app import SandboxApp, html_response, json_response
from channels.sandbox_faults import Faults
from channels.wechat import sandbox_pages
from channels.wechat.sandbox_jobs import Job, PublishJobs
from channels.wechat.sandbox_tokens import ApiError, TokenBook

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_SECRET = "sandbox-secret"
IMAGE_MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF8": "gif", b"BM": "bmp"}
MB = 1024 * 1024


class WeChatSandboxConfig(BaseModel):
    secret: str = DEFAULT_SECRET
    secrets: dict[str, str] = Field(default_factory=dict, description="appid -> secret overrides")
    token_ttl_seconds: float = 7200.0
    publish_delay_seconds: float = 1.0
    quotas: dict[str, int] = Field(
        default_factory=lambda: {
            "/cgi-bin/draft/add": 1000,
            "/cgi-bin/freepublish/submit": 100,
            "/cgi-bin/freepublish/get": 100,
            "/cgi-bin/freepublish/delete": 10,
        }
    )
    clear_quota_per_month: int = 10
    forced_refresh_per_day: int = 20
    forced_refresh_interval_seconds: float = 30.0


@dataclass
class Usage:
    calls: Counter = field(default_factory=Counter)  # (day, path) -> count
    clears: list[float] = field(default_factory=list)


def image_kind(data: bytes) -> str | None:
    return next((kind for magic, kind in IMAGE_MAGIC.items() if data.startswith(magic)), None)


def sanitize_content(html: str, cdn_prefix: str) -> str:
    """What the platform does to a body: scripts and styles go, foreign images and links go."""
    html = re.sub(r"<(script|style)\b.*?</\1\s*>", "", html, flags=re.S | re.I)
    html = re.sub(
        r"<img\b[^>]*?\bsrc=[\"']([^\"']*)[\"'][^>]*>",
        lambda m: m.group(0) if m.group(1).startswith(cdn_prefix) else "",
        html,
        flags=re.I,
    )
    return re.sub(
        r"<a\b[^>]*?\bhref=[\"']([^\"']*)[\"'][^>]*>(.*?)</a>",
        lambda m: m.group(0) if m.group(1).startswith("https://mp.weixin.qq.com/") else m.group(2),
        html,
        flags=re.S | re.I,
    )


class WeChatSandbox(PublishJobs, SandboxApp):
    def __init__(self, config: WeChatSandboxConfig | None = None, faults: Faults | None = None):
        self.config = config or WeChatSandboxConfig()
        super().__init__(faults)

    def routes(self) -> list[Rule]:
        api = [
            ("/cgi-bin/token", "api_token", "GET"),
            ("/cgi-bin/stable_token", "api_stable_token", "POST"),
            ("/cgi-bin/media/uploadimg", "api_uploadimg", "POST"),
            ("/cgi-bin/material/add_material", "api_add_material", "POST"),
            ("/cgi-bin/material/del_material", "api_del_material", "POST"),
            ("/cgi-bin/draft/add", "api_draft_add", "POST"),
            ("/cgi-bin/freepublish/submit", "api_submit", "POST"),
            ("/cgi-bin/freepublish/get", "api_publish_get", "POST"),
            ("/cgi-bin/freepublish/delete", "api_publish_delete", "POST"),
            ("/cgi-bin/freepublish/batchget", "api_publish_batchget", "POST"),
            ("/cgi-bin/clear_quota", "api_clear_quota", "POST"),
            ("/datacube/getarticlesummary", "api_article_summary", "POST"),
            ("/datacube/getarticletotal", "api_article_total", "POST"),
        ]
        return [Rule(path, endpoint=name, methods=[method]) for path, name, method in api] + [
            Rule("/", endpoint="page_index"),
            Rule("/s/<article_id>", endpoint="page_article"),
            Rule("/mmbiz/<name>", endpoint="page_image"),
            Rule("/_admin/invalidate_token", endpoint="admin_invalidate_token", methods=["POST"]),
            Rule("/_admin/delete_material", endpoint="admin_delete_material", methods=["POST"]),
        ]

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.tokens = TokenBook(
                self.config.token_ttl_seconds,
                self.config.forced_refresh_per_day,
                self.config.forced_refresh_interval_seconds,
            )
            self.usage: dict[str, Usage] = {}
            self.images: dict[str, tuple[bytes, str]] = {}
            self.materials: dict[str, str] = {}  # media_id -> appid
            self.material_uploads: Counter[str] = Counter()  # appid -> add_material calls that stored one
            self.drafts: dict[str, dict[str, Any]] = {}
            self.jobs: dict[int, Job] = {}
            self.ids = itertools.count(1000001)

    def counters(self) -> dict[str, Any]:
        return {
            **super().counters(),
            "token_fetches": self.tokens.counters(),
            "material_uploads": dict(self.material_uploads),
        }

    def injected_error(self, status: int) -> Response:
        # 200 is how the platform says "busy"; 5xx is a gateway failing in front of it.
        return json_response({"errcode": -1, "errmsg": "system error (sandbox fault)"}, status)

    def dispatch(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        try:
            return super().dispatch(request, endpoint, args)
        except ApiError as exc:
            return json_response({"errcode": exc.errcode, "errmsg": exc.errmsg})

    # -- helpers -----------------------------------------------------------------------------
    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), SHANGHAI).date()

    def _credentials(self, appid: str | None, secret: str | None, grant_type: str | None) -> str:
        if grant_type != "client_credential":
            raise ApiError(40002, "invalid grant_type")
        if not appid:
            raise ApiError(41002, "appid missing")
        if not secret:
            raise ApiError(41004, "appsecret missing")
        expected = self.config.secrets.get(appid)
        if expected is None and not appid.startswith("wx"):
            raise ApiError(40013, "invalid appid")
        if secret != (expected or self.config.secret):
            raise ApiError(40125, "invalid appsecret")
        return appid

    def _account(self, request: Request) -> str:
        """The appid behind the request's token; a revocation fault may strike first."""
        value = request.args.get("access_token")
        token = self.tokens.tokens.get(value or "")
        if token is not None and self.faults.fires("invalidate_token", request.path):
            self.tokens.revoke(token.appid)
        appid = self.tokens.check(value, self.now())
        if self.faults.permission_denied(appid):
            raise ApiError(48001, "api unauthorized")
        return appid

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            raise ApiError(47001, "data format error") from None
        if not isinstance(body, dict):
            raise ApiError(47001, "data format error")
        return body

    def _spend(self, appid: str, path: str) -> None:
        """Daily quota per API (45009), or the quota-exhaustion fault."""
        if self.faults.quota_exhausted(appid):
            raise ApiError(45009, "reach max api daily quota limit")
        limit = self.config.quotas.get(path)
        if limit is None:
            return
        with self.lock:
            usage = self.usage.setdefault(appid, Usage())
            key = (self.today().isoformat(), path)
            if usage.calls[key] >= limit:
                raise ApiError(45009, "reach max api daily quota limit")
            usage.calls[key] += 1

    def _media(self, request: Request) -> bytes:
        upload = request.files.get("media")
        if upload is None:
            raise ApiError(41005, "media data missing")
        return upload.read()

    def _store_image(self, request: Request, data: bytes, kind: str) -> str:
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{kind}"
        with self.lock:
            self.images[name] = (data, "image/jpeg" if kind == "jpg" else f"image/{kind}")
        return f"{request.root_url}mmbiz/{name}"

    # -- tokens ------------------------------------------------------------------------------
    def api_token(self, request: Request) -> Response:
        a = request.args
        appid = self._credentials(a.get("appid"), a.get("secret"), a.get("grant_type"))
        token = self.tokens.legacy(appid, self.now())
        return json_response({"access_token": token.value, "expires_in": int(self.config.token_ttl_seconds)})

    def api_stable_token(self, request: Request) -> Response:
        body = self._body(request)
        appid = self._credentials(body.get("appid"), body.get("secret"), body.get("grant_type"))
        now = self.now()
        token = self.tokens.stable(appid, now, bool(body.get("force_refresh")))
        return json_response({"access_token": token.value, "expires_in": int(token.expires_at - now)})

    # -- images ------------------------------------------------------------------------------
    def api_uploadimg(self, request: Request) -> Response:
        self._account(request)
        data = self._media(request)
        kind = image_kind(data)
        if kind not in ("jpg", "png"):
            raise ApiError(40005, "invalid file type")
        if len(data) >= MB:
            raise ApiError(40009, "invalid image size")
        return json_response({"url": self._store_image(request, data, kind)})

    def api_add_material(self, request: Request) -> Response:
        appid = self._account(request)
        media_type = request.args.get("type")
        data = self._media(request)
        kind = image_kind(data)
        if media_type == "image":
            if kind is None:
                raise ApiError(40005, "invalid file type")
            if len(data) > 10 * MB:
                raise ApiError(40009, "invalid image size")
        elif media_type == "thumb":
            if kind != "jpg":
                raise ApiError(40005, "invalid file type")
            if len(data) > 64 * 1024:
                raise ApiError(40009, "invalid image size")
        else:
            raise ApiError(40004, "invalid media type")
        url = self._store_image(request, data, kind)
        media_id = f"sbx-mat-{next(self.ids)}"
        with self.lock:
            self.materials[media_id] = appid
            self.material_uploads[appid] += 1
        return json_response({"media_id": media_id, "url": url})

    def api_del_material(self, request: Request) -> Response:
        appid = self._account(request)
        media_id = str(self._body(request).get("media_id") or "")
        with self.lock:
            if self.materials.get(media_id) != appid:
                raise ApiError(40007, "invalid media_id")
            del self.materials[media_id]
        return json_response({"errcode": 0, "errmsg": "ok"})

    def material_exists(self, request: Request, appid: str, media_id: Any) -> bool:
        """The account's material `media_id` is there (and the `material_invalid` fault is off)."""
        if self.faults.fires("material_invalid", request.path):
            return False
        return self.materials.get(str(media_id)) == appid

    # -- drafts (publish jobs and statistics: sandbox_jobs.PublishJobs) -------------------------
    def api_draft_add(self, request: Request) -> Response:
        appid = self._account(request)
        articles = self._body(request).get("articles")
        if not isinstance(articles, list) or not articles:
            raise ApiError(44003, "empty news data")
        cleaned = [self._check_article(request, appid, a) for a in articles]
        self._spend(appid, request.path)
        media_id = f"sbx-draft-{next(self.ids)}"
        with self.lock:
            self.drafts[media_id] = {"appid": appid, "articles": cleaned}
        return json_response({"media_id": media_id})

    def _check_article(self, request: Request, appid: str, article: dict[str, Any]) -> dict[str, Any]:
        title = str(article.get("title") or "")
        content = str(article.get("content") or "")
        if not title:
            raise ApiError(44003, "empty news data")
        if len(title) > 32:
            raise ApiError(45003, "title size out of limit")
        if len(str(article.get("author") or "")) > 16:
            raise ApiError(45110, "author size out of limit")
        if len(str(article.get("digest") or "")) > 128:
            raise ApiError(45004, "description size out of limit")
        if not content:
            raise ApiError(44004, "empty content")
        if len(content) >= 20000 or len(content.encode()) >= MB:
            raise ApiError(45002, "content size out of limit")
        if len(str(article.get("content_source_url") or "").encode()) > 1024:
            raise ApiError(45005, "content_source_url size out of limit")
        if not self.material_exists(request, appid, article.get("thumb_media_id")):
            raise ApiError(40007, "invalid media_id")
        content = sanitize_content(content, f"{request.root_url}mmbiz/")
        digest = str(article.get("digest") or "") or re.sub(r"<[^>]+>|\s+", "", content)[:54]
        return {**article, "content": content, "digest": digest}

    def api_clear_quota(self, request: Request) -> Response:
        appid = self._account(request)
        if self._body(request).get("appid") != appid:
            raise ApiError(40013, "invalid appid")
        now = self.now()
        with self.lock:
            usage = self.usage.setdefault(appid, Usage())
            month = [t for t in usage.clears if t > now - 30 * 86400]
            if len(month) >= self.config.clear_quota_per_month:
                raise ApiError(48006, "forbid to clear quota because of reaching the limit")
            usage.clears = [*month, now]
            usage.calls.clear()
        self.faults.clear_quota(appid)
        return json_response({"errcode": 0, "errmsg": "ok"})

    # -- pages and admin ---------------------------------------------------------------------
    def page_index(self, request: Request) -> Response:
        jobs = sorted(self.jobs.values(), key=lambda j: j.submitted_at, reverse=True)
        return html_response(sandbox_pages.index(self, jobs))

    def page_article(self, request: Request, article_id: str) -> Response:
        job = next((j for j in self.jobs.values() if j.article_id == article_id), None)
        if job is None:
            return html_response(sandbox_pages.not_found(), 404)
        return html_response(sandbox_pages.article(self, job))

    def page_image(self, request: Request, name: str) -> Response:
        image = self.images.get(name)
        if image is None:
            return Response("not found", status=404)
        return Response(image[0], content_type=image[1])

    def admin_invalidate_token(self, request: Request) -> Response:
        appid = str((request.get_json(force=True) or {}).get("appid", ""))
        self.tokens.revoke(appid)
        return json_response({"ok": True, "appid": appid})

    def admin_delete_material(self, request: Request) -> Response:
        body = request.get_json(force=True) or {}
        appid, media_id = str(body.get("appid", "")), body.get("media_id")
        with self.lock:
            gone = [m for m, owner in self.materials.items() if owner == appid and media_id in (None, m)]
            for m in gone:
                del self.materials[m]
        return json_response({"ok": True, "deleted": gone})
