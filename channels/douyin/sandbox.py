"""抖音 sandbox: the Douyin Open Platform's video endpoints as documented, on 127.0.0.1.

Tokens: channels/douyin/sandbox_tokens.py (15-day access, 30-day refresh, 5 renewals). Every
video API takes `open_id` in the query and the token in the `access-token` header (or the older
`access_token` query field). Answers: `{"data": {..., "error_code", "description"}, "extra":
{"error_code", "description", "sub_error_code", "sub_description", "logid", "now"}}`.

    POST /oauth/access_token/          code → access + refresh token, open_id
    POST /oauth/refresh_token/         new access token (form: client_key, grant_type, refresh_token)
    POST /oauth/renew_refresh_token/   new refresh token, at most 5 times (then 10020)
    POST /video/upload/                multipart `video` (an MP4 with H.264; ≤ simple_upload_max)
    POST /video/part/init/             → upload_id (valid 2 hours)
    POST /video/part/upload/           ?upload_id&part_number, multipart `video` (≥ part_min but the last)
    POST /video/part/complete/         ?upload_id → video_id
    POST /video/create/                JSON video_id (each used once), text, cover_tsp → item_id
    POST /video/data/                  JSON item_ids → review state, share_url, statistics
    GET  /video/list/                  ?cursor&count → the account's videos, newest first
    POST /video/delete/                JSON item_id

Errors: 2100005 bad parameter (unknown/used video_id, not an MP4, text too long), 2100007 no
permission (fault `permission_denied`), 2190001 quota used up (fault `quota_exhausted` or
`daily_post_limit`), 2190002 invalid token, 2190008 expired token, 10010 refresh token expired,
10020 renewals used up, 2100004 system busy (injected error faults answer it with HTTP 503).
Review: a created video is "审核中" (video_status 4) for `review_seconds`, then published (1), or
"不适宜公开" (2) when the `review_reject` fault fires. Pages: `/` lists posted videos and plays
each; `/v/<item_id>` one video; `/media/<video_id>.mp4` the file. Extra admin:
`_admin/revoke {"open_id"}`, `_admin/expire_access {"open_id"}`.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from channels.douyin import sandbox_pages
from channels.douyin.sandbox_tokens import ApiError, TokenBook
from channels.sandbox_app import SandboxApp, html_response, json_response
from channels.sandbox_faults import Faults

MB = 1024 * 1024


class DouyinSandboxConfig(BaseModel):
    simple_upload_max: int = 128 * MB
    part_min: int = 5 * MB
    size_max: int = 4096 * MB
    duration_max: float = 900.0
    text_limit: int = 1000
    review_seconds: float = 0.0
    daily_post_limit: int = 100
    upload_id_ttl: float = 7200.0


@dataclass
class Upload:
    video_id: str
    open_id: str
    data: bytes = field(repr=False)
    width: int
    height: int
    duration: float
    used: bool = False


@dataclass
class Item:
    item_id: str
    open_id: str
    video_id: str
    text: str
    cover_tsp: float
    created_at: float
    rejected: bool = False
    deleted: bool = False


def probe(data: bytes) -> tuple[int, int, float]:
    """(width, height, seconds) of an MP4 with an H.264 stream; ApiError otherwise."""
    import av

    try:
        with av.open(io.BytesIO(data), format="mp4") as container:
            video = container.streams.video[0]
            if video.codec_context.name != "h264":
                raise ApiError(2100005, f"视频编码不支持：{video.codec_context.name}（需要 H.264）")
            seconds = float(container.duration or 0) / 1_000_000
            return video.codec_context.width, video.codec_context.height, seconds
    except ApiError:
        raise
    except Exception:
        raise ApiError(2100005, "视频文件无法解析，请上传 mp4 文件") from None


class DouyinSandbox(SandboxApp):
    def __init__(self, config: DouyinSandboxConfig | None = None, faults: Faults | None = None):
        self.config = config or DouyinSandboxConfig()
        super().__init__(faults)

    def routes(self) -> list[Rule]:
        api = [
            ("/oauth/access_token/", "api_access_token", "POST"),
            ("/oauth/refresh_token/", "api_refresh_token", "POST"),
            ("/oauth/renew_refresh_token/", "api_renew_refresh_token", "POST"),
            ("/video/upload/", "api_upload", "POST"),
            ("/video/part/init/", "api_part_init", "POST"),
            ("/video/part/upload/", "api_part_upload", "POST"),
            ("/video/part/complete/", "api_part_complete", "POST"),
            ("/video/create/", "api_create", "POST"),
            ("/video/data/", "api_data", "POST"),
            ("/video/list/", "api_list", "GET"),
            ("/video/delete/", "api_delete", "POST"),
        ]
        return [Rule(path, endpoint=name, methods=[method]) for path, name, method in api] + [
            Rule("/", endpoint="page_index"),
            Rule("/v/<item_id>", endpoint="page_item"),
            Rule("/media/<video_id>.mp4", endpoint="page_media"),
            Rule("/_admin/revoke", endpoint="admin_revoke", methods=["POST"]),
            Rule("/_admin/expire_access", endpoint="admin_expire_access", methods=["POST"]),
        ]

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.tokens = TokenBook()
            self.uploads: dict[str, Upload] = {}
            self.parts: dict[str, dict[str, Any]] = {}
            self.items: dict[str, Item] = {}
            self.numbers = itertools.count(7_300_000_000_000_000_001)

    def counters(self) -> dict[str, Any]:
        data = super().counters()
        data["token_refreshes"] = self.tokens.refreshes
        data["token_renewals"] = self.tokens.renewals
        data["uploads"] = len(self.uploads)
        return data

    # -- answers -------------------------------------------------------------------------------
    def _answer(self, data: dict[str, Any], code: int = 0, description: str = "", status: int = 200) -> Response:
        extra = {"error_code": code, "description": description, "sub_error_code": 0, "sub_description": "",
                 "logid": secrets.token_hex(12).upper(), "now": int(self.now() * 1000)}
        return json_response({"data": {**data, "error_code": code, "description": description}, "extra": extra},
                             status)

    def injected_error(self, status: int) -> Response:
        return self._answer({}, 2100004, "系统繁忙，此时请开发者稍候再试（沙箱故障）", status)

    def dispatch(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        try:
            return super().dispatch(request, endpoint, args)
        except ApiError as exc:
            return self._answer({}, exc.code, exc.description, exc.status)

    # -- helpers -------------------------------------------------------------------------------
    def _user(self, request: Request) -> str:
        token = request.headers.get("access-token") or request.args.get("access_token") or ""
        open_id = request.args.get("open_id", "")
        if not open_id:
            raise ApiError(2100005, "参数不合法：缺少 open_id")
        if self.faults.fires("invalidate_token", request.path):
            self.tokens.expire_access(token)
        grant = self.tokens.user(token, open_id, self.now())
        if self.faults.permission_denied(open_id):
            raise ApiError(2100007, "无权限操作：应用没有代替用户发布内容的权限（video.create）")
        return grant.open_id

    def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            raise ApiError(2100005, "参数不合法：请求体不是 JSON") from None
        if not isinstance(body, dict):
            raise ApiError(2100005, "参数不合法：请求体不是 JSON 对象")
        return body

    def _store_video(self, open_id: str, data: bytes) -> Upload:
        if len(data) > self.config.size_max:
            raise ApiError(2100005, "视频文件超过 4GB")
        width, height, seconds = probe(data)
        if seconds > self.config.duration_max:
            raise ApiError(2100005, f"视频时长 {seconds:.0f} 秒，超过 15 分钟")
        video_id = "v0200f" + hashlib.sha256(data + secrets.token_bytes(8)).hexdigest()[:26]
        upload = Upload(video_id, open_id, data, width, height, seconds)
        with self.lock:
            self.uploads[video_id] = upload
        return upload

    def _video_answer(self, upload: Upload) -> Response:
        return self._answer({"video": {"video_id": upload.video_id, "width": upload.width, "height": upload.height}})

    def _state(self, item: Item) -> tuple[int, bool]:
        """(video_status, is_reviewed): 4 under review, 1 published, 2 not fit to be public."""
        if item.rejected:
            return 2, True
        if self.now() - item.created_at < self.config.review_seconds:
            return 4, False
        return 1, True

    def item_json(self, request: Request, item: Item) -> dict[str, Any]:
        status, reviewed = self._state(item)
        return {
            "item_id": item.item_id,
            "title": item.text,
            "create_time": int(item.created_at),
            "is_reviewed": reviewed,
            "is_top": False,
            "video_status": status,
            "share_url": f"{request.root_url}v/{item.item_id}",
            "cover": f"{request.root_url}media/{item.video_id}.mp4#t={item.cover_tsp}",
            "statistics": sandbox_pages.figures(item.item_id),
        }

    # -- OAuth ---------------------------------------------------------------------------------
    def _token_answer(self, grant) -> Response:
        now = self.now()
        return json_response({
            "data": {"access_token": grant.access_token, "expires_in": int(grant.access_expires_at - now),
                     "refresh_token": grant.refresh_token, "refresh_expires_in": int(grant.refresh_expires_at - now),
                     "open_id": grant.open_id, "scope": "video.create,video.data,video.delete,video.list",
                     "error_code": 0, "description": ""},
            "message": "success",
        })

    def _oauth(self, call):
        try:
            return call()
        except ApiError as exc:
            return json_response({"data": {"error_code": exc.code, "description": exc.description}, "message": "error"})

    def api_access_token(self, request: Request) -> Response:
        form = request.form
        return self._oauth(lambda: self._token_answer(
            self.tokens.authorize(form.get("client_key", ""), form.get("code", ""), self.now())))

    def api_refresh_token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "refresh_token":
            return json_response({"data": {"error_code": 10005, "description": "grant_type 应为 refresh_token"}})
        return self._oauth(lambda: self._token_answer(
            self.tokens.refresh(form.get("client_key", ""), form.get("refresh_token", ""), self.now())))

    def api_renew_refresh_token(self, request: Request) -> Response:
        form = request.form

        def renew():
            grant = self.tokens.renew(form.get("client_key", ""), form.get("refresh_token", ""), self.now())
            return json_response({"data": {"refresh_token": grant.refresh_token, "expires_in": int(
                grant.refresh_expires_at - self.now()), "error_code": 0, "description": ""}, "message": "success"})

        return self._oauth(renew)

    # -- upload ----------------------------------------------------------------------------------
    def api_upload(self, request: Request) -> Response:
        open_id = self._user(request)
        upload = request.files.get("video")
        if upload is None:
            raise ApiError(2100005, "参数不合法：缺少 video 文件")
        data = upload.read()
        if len(data) > self.config.simple_upload_max:
            raise ApiError(2100005, "视频超过 128M，必须分片上传", 413)
        return self._video_answer(self._store_video(open_id, data))

    def api_part_init(self, request: Request) -> Response:
        open_id = self._user(request)
        upload_id = "@" + secrets.token_urlsafe(24)
        with self.lock:
            self.parts[upload_id] = {"open_id": open_id, "parts": {}, "started": self.now()}
        return self._answer({"upload_id": upload_id})

    def _part_upload(self, request: Request, open_id: str) -> dict[str, Any]:
        entry = self.parts.get(request.args.get("upload_id", ""))
        if entry is None or entry["open_id"] != open_id:
            raise ApiError(2100005, "参数不合法：upload_id 不存在")
        if self.now() - entry["started"] > self.config.upload_id_ttl:
            raise ApiError(2100005, "upload_id 已过期（有效期 2 小时）")
        return entry

    def api_part_upload(self, request: Request) -> Response:
        open_id = self._user(request)
        entry = self._part_upload(request, open_id)
        try:
            number = int(request.args.get("part_number", ""))
        except ValueError:
            raise ApiError(2100005, "参数不合法：part_number") from None
        upload = request.files.get("video")
        if upload is None or number < 1:
            raise ApiError(2100005, "参数不合法：缺少分片或分片编号")
        with self.lock:
            entry["parts"][number] = upload.read()
        return self._answer({})

    def api_part_complete(self, request: Request) -> Response:
        open_id = self._user(request)
        entry = self._part_upload(request, open_id)
        numbers = sorted(entry["parts"])
        if not numbers or numbers != list(range(1, len(numbers) + 1)):
            raise ApiError(2100005, "分片不完整：分片编号须从 1 开始连续")
        if any(len(entry["parts"][n]) < self.config.part_min for n in numbers[:-1]):
            raise ApiError(2100005, "分片太小：除最后一片外每片至少 5MB")
        data = b"".join(entry["parts"][n] for n in numbers)
        upload = self._store_video(open_id, data)
        with self.lock:
            self.parts.pop(request.args.get("upload_id", ""), None)
        return self._video_answer(upload)

    # -- posts -----------------------------------------------------------------------------------
    def api_create(self, request: Request) -> Response:
        open_id = self._user(request)
        body = self._json(request)
        text = str(body.get("text", ""))
        with self.lock:  # check-then-store atomically, or two racing creates both pass
            upload = self.uploads.get(str(body.get("video_id", "")))
            if upload is None or upload.open_id != open_id:
                raise ApiError(2100005, "参数不合法：video_id 不存在")
            if upload.used:
                raise ApiError(2100005, "参数不合法：video_id 已使用，每次创建视频须重新上传")
            if len(text) > self.config.text_limit:
                raise ApiError(2100005, f"参数不合法：text 超过 {self.config.text_limit} 字")
            today = [i for i in self.items.values() if i.open_id == open_id and self.now() - i.created_at < 86400]
            if self.faults.quota_exhausted(open_id) or len(today) >= self.config.daily_post_limit:
                raise ApiError(2190001, "quota 已用完")
            upload.used = True
            item_id = "@9VwKzuuES8" + hashlib.sha256(str(next(self.numbers)).encode()).hexdigest()[:24]
            item = Item(item_id, open_id, upload.video_id, text, float(body.get("cover_tsp") or 0.0), self.now(),
                        rejected=bool(self.faults.fires("review_reject", request.path)))
            self.items[item_id] = item
        self.count_post(request, text, open_id)
        return self._answer({"item_id": item_id})

    def api_data(self, request: Request) -> Response:
        open_id = self._user(request)
        ids = [str(i) for i in self._json(request).get("item_ids") or []]
        if not ids or len(ids) > 20:
            raise ApiError(2100005, "参数不合法：item_ids 需 1 到 20 个")
        found = [self.items.get(i) for i in ids]
        rows = [self.item_json(request, i) for i in found if i is not None and i.open_id == open_id and not i.deleted]
        return self._answer({"list": rows})

    def api_list(self, request: Request) -> Response:
        open_id = self._user(request)
        cursor, count = int(request.args.get("cursor", 0) or 0), min(20, int(request.args.get("count", 10) or 10))
        with self.lock:  # videos arrive from other requests meanwhile
            items = list(self.items.values())
        mine = sorted((i for i in items if i.open_id == open_id and not i.deleted),
                      key=lambda i: (i.created_at, i.item_id), reverse=True)
        page = mine[cursor:cursor + count]
        return self._answer({"list": [self.item_json(request, i) for i in page], "cursor": cursor + len(page),
                             "has_more": cursor + len(page) < len(mine)})

    def api_delete(self, request: Request) -> Response:
        open_id = self._user(request)
        item = self.items.get(str(self._json(request).get("item_id", "")))
        if item is None or item.open_id != open_id or item.deleted:
            raise ApiError(2100005, "参数不合法：视频不存在或已删除")
        with self.lock:
            item.deleted = True
        return self._answer({})

    # -- pages and admin -------------------------------------------------------------------------
    def page_index(self, request: Request) -> Response:
        items = sorted(self.items.values(), key=lambda i: i.created_at, reverse=True)
        return html_response(sandbox_pages.index(self, request, items))

    def page_item(self, request: Request, item_id: str) -> Response:
        item = self.items.get(item_id)
        if item is None:
            return html_response(sandbox_pages.not_found(), 404)
        return html_response(sandbox_pages.item_page(self, request, item))

    def page_media(self, request: Request, video_id: str) -> Response:
        upload = self.uploads.get(video_id)
        if upload is None:
            return Response("not found", status=404)
        response = Response(upload.data, content_type="video/mp4")
        return response.make_conditional(request, accept_ranges=True, complete_length=len(upload.data))

    def admin_revoke(self, request: Request) -> Response:
        open_id = str((request.get_json(force=True) or {}).get("open_id", ""))
        return json_response({"revoked": self.tokens.revoke(open_id)})

    def admin_expire_access(self, request: Request) -> Response:
        open_id = str((request.get_json(force=True) or {}).get("open_id", ""))
        with self.tokens._lock:
            for grant in self.tokens.by_refresh.values():
                if grant.open_id == open_id:
                    grant.access_expires_at = 0.0
        return json_response({"ok": True})


def serve(host: str = "127.0.0.1", port: int = 0, config: DouyinSandboxConfig | None = None,
          faults: Faults | None = None):
    """The 抖音 sandbox alone on its own port, from a daemon thread: (base_url, sandbox, server).
    Stop with `server.shutdown(); server.server_close()`."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, code="-", size="-") -> None:
            pass

    app = DouyinSandbox(config, faults)
    server = make_server(host, port, app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, name="douyin-sandbox", daemon=True).start()
    return f"http://{host}:{server.server_port}", app, server
