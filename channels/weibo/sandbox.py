"""Weibo sandbox: statuses/share and friends as documented, on 127.0.0.1.

Accounts: any access token starting with `sandbox-token` is a user (set
PUBLISHER_SECRET_<ACCOUNT>_TOKEN=sandbox-token-1, -2, …); the uid is derived from the token.

Endpoints: 2/statuses/share.json (form or multipart: access_token, status, pic),
2/statuses/destroy.json, 2/statuses/count.json, 2/statuses/show.json,
2/statuses/user_timeline.json (the token's own posts, newest first, count ≤ 100, page); update.json and upload.json
answer 10014 (shut off). Rules: 140 characters counted 0.5/1/2 with each link a fixed
`url_weight`, or in strict mode (`strict_links`) by the link's own characters — the stricter
reading of share.json — (20012), a link on a safe domain required (10017), pictures JPEG/GIF/PNG < 5 MB
(20005/20006), identical text 20019, similar text (same once links and spaces are removed) 20017,
posts closer than `min_interval_seconds` 20016, more than `hourly_limit` posts an hour 10024,
more than `daily_post_limit` posts a day 10023; destroying a missing post 20101, someone else's
20102. Pages: `/`, `/<uid>/<id>`, `/pic/<name>`.
Extra admin: `POST _admin/expire_token {"access_token": …}` (then 21327),
`POST _admin/reauthorize {"access_token": …}` and `POST _admin/length_rule {"strict_links": true}`
(until the next reset, which returns to the configured rule).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from channels.sandbox_app import SandboxApp, html_response, json_response
from channels.sandbox_faults import Faults
from channels.weibo import sandbox_pages
from channels.weibo.sandbox_pages import URL

SHANGHAI = ZoneInfo("Asia/Shanghai")
PICTURE_MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF8": "gif"}


class WeiboSandboxConfig(BaseModel):
    token_prefix: str = "sandbox-token"
    safe_domains: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost"])
    text_limit: int = 140
    url_weight: int = 20
    # Strict: a link counts its own characters (0.5 each), however long; not `url_weight`.
    strict_links: bool = False
    min_interval_seconds: float = 0.0
    hourly_limit: int = 30
    daily_post_limit: int = 100


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Post:
    id: int
    uid: int
    text: str
    created_at: float
    picture: str | None = None
    deleted: bool = False


@dataclass
class UserPosts:
    """One user's posts as the checks need them, kept up to date on every share and destroy, so a
    share costs the same whatever came before it (the checks used to scan every earlier post:
    the 1,000th of a burst compared its text with 999 others)."""

    times: list[float] = field(default_factory=list)  # every post's created_at, sorted (deleted too)
    per_day: Counter = field(default_factory=Counter)  # Shanghai date -> posts (deleted too)
    texts: Counter = field(default_factory=Counter)  # live posts' texts
    similar: Counter = field(default_factory=Counter)  # live posts' `_similar_form`

    def add(self, post: Post) -> None:
        bisect.insort(self.times, post.created_at)
        self.per_day[_day(post.created_at)] += 1
        self.texts[post.text] += 1
        self.similar[_similar_form(post.text)] += 1

    def remove_text(self, post: Post) -> None:
        """A destroyed post stops counting as a repeat; it still counts against the limits."""
        for counter, key in ((self.texts, post.text), (self.similar, _similar_form(post.text))):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]


def _day(moment: float):
    return datetime.fromtimestamp(moment, SHANGHAI).date()


def weibo_length(text: str, url_weight: int | None) -> int:
    """0.5 for U+0000..U+00FF, 1 for the rest of the BMP, 2 beyond; a link counts `url_weight`,
    or (None, strict) its own characters. Written apart from the adapter's count on purpose."""
    if url_weight is None:
        return math.ceil(_weight(text))
    total, position = 0.0, 0
    for match in URL.finditer(text):
        total += _weight(text[position : match.start()]) + url_weight
        position = match.end()
    return math.ceil(total + _weight(text[position:]))


def _weight(text: str) -> float:
    return sum(0.5 if ord(c) <= 0xFF else 1.0 if ord(c) <= 0xFFFF else 2.0 for c in text)


def _similar_form(text: str) -> str:
    return re.sub(r"\W+", "", URL.sub("", text))


class WeiboSandbox(SandboxApp):
    def __init__(self, config: WeiboSandboxConfig | None = None, faults: Faults | None = None):
        self.config = config or WeiboSandboxConfig()
        super().__init__(faults)

    def routes(self) -> list[Rule]:
        return [
            Rule("/2/statuses/share.json", endpoint="api_share", methods=["POST"]),
            Rule("/2/statuses/update.json", endpoint="api_shut_off", methods=["POST"]),
            Rule("/2/statuses/upload.json", endpoint="api_shut_off", methods=["POST"]),
            Rule("/2/statuses/destroy.json", endpoint="api_destroy", methods=["POST"]),
            Rule("/2/statuses/count.json", endpoint="api_count", methods=["GET"]),
            Rule("/2/statuses/show.json", endpoint="api_show", methods=["GET"]),
            Rule("/2/statuses/user_timeline.json", endpoint="api_user_timeline", methods=["GET"]),
            Rule("/oauth2/get_token_info", endpoint="api_token_info", methods=["POST"]),
            Rule("/", endpoint="page_index"),
            Rule("/<int:uid>/<post_id>", endpoint="page_post"),
            Rule("/pic/<name>", endpoint="page_picture"),
            Rule("/_admin/expire_token", endpoint="admin_expire_token", methods=["POST"]),
            Rule("/_admin/reauthorize", endpoint="admin_reauthorize", methods=["POST"]),
            Rule("/_admin/length_rule", endpoint="admin_length_rule", methods=["POST"]),
        ]

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.posts: dict[int, Post] = {}
            self.by_user: dict[int, UserPosts] = {}
            self.pictures: dict[str, tuple[bytes, str]] = {}
            self.expired: set[str] = set()
            self.ids = itertools.count(4_990_000_000_000_001)
            self.strict_links = self.config.strict_links

    def injected_error(self, status: int) -> Response:
        return json_response({"error": "service unavailable (sandbox fault)", "error_code": 10002}, status)

    def dispatch(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        try:
            return super().dispatch(request, endpoint, args)
        except ApiError as exc:
            body = {"error": exc.message, "error_code": exc.code, "request": request.path}
            return json_response(body, exc.status)

    # -- helpers -----------------------------------------------------------------------------
    def uid_of(self, token: str) -> int:
        return 1_000_000_000 + int(hashlib.sha256(token.encode()).hexdigest()[:8], 16) % 900_000_000

    def _user(self, request: Request) -> int:
        token = request.values.get("access_token") or ""
        if not token:
            raise ApiError(21301, "auth faild!", 401)
        if not token.startswith(self.config.token_prefix):
            raise ApiError(21332, "invalid_access_token", 401)
        if self.faults.fires("invalidate_token", request.path):
            self.expired.add(token)
        if token in self.expired:
            raise ApiError(21327, "expired_token", 401)
        uid = self.uid_of(token)
        if self.faults.permission_denied(str(uid)):
            raise ApiError(10014, "Insufficient app permissions!", 403)
        return uid

    def _check_rate(self, uid: int, path: str) -> None:
        if self.faults.quota_exhausted(str(uid)):
            raise ApiError(10023, "User requests out of rate limit!", 403)
        now = self.now()
        mine = self.by_user.get(uid)
        if mine is None or not mine.times:
            return
        if mine.per_day[_day(now)] >= self.config.daily_post_limit:
            raise ApiError(10023, "User requests out of rate limit!", 403)
        last_hour = len(mine.times) - bisect.bisect_right(mine.times, now - 3600)
        if last_hour >= self.config.hourly_limit:
            raise ApiError(10024, "User requests for (statuses/share) out of rate limit!", 403)
        if now - mine.times[-1] < self.config.min_interval_seconds:
            raise ApiError(20016, "out of limit, update weibo too fast", 403)

    def _check_text(self, uid: int, text: str) -> None:
        if not text:
            raise ApiError(10016, "miss required parameter (status), see doc for more info.")
        if weibo_length(text, None if self.strict_links else self.config.url_weight) > self.config.text_limit:
            raise ApiError(20012, "Text too long, please input text less than 140 characters!")
        if not any(self._safe(url) for url in URL.findall(text)):
            raise ApiError(10017, "status must contain a url on the app's safe domain")
        mine = self.by_user.get(uid)
        if mine is None:
            return
        if mine.texts[text]:
            raise ApiError(20019, "Repeated weibo text!")
        if mine.similar[_similar_form(text)]:
            raise ApiError(20017, "You already said that (similar content)!")

    def _safe(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.config.safe_domains)

    def _picture(self, request: Request) -> str | None:
        upload = request.files.get("pic")
        if upload is None:
            return None
        data = upload.read()
        kind = next((k for magic, k in PICTURE_MAGIC.items() if data.startswith(magic)), None)
        if kind is None:
            raise ApiError(20005, "Unsupported image type, only suport JPG, GIF, PNG!")
        if len(data) >= 5 * 1024 * 1024:
            raise ApiError(20006, "Image size too large!")
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{kind}"
        with self.lock:
            self.pictures[name] = (data, "image/jpeg" if kind == "jpg" else f"image/{kind}")
        return name

    def status_json(self, request: Request, post: Post) -> dict[str, Any]:
        created = datetime.fromtimestamp(post.created_at, SHANGHAI).strftime("%a %b %d %H:%M:%S +0800 %Y")
        data: dict[str, Any] = {
            "created_at": created,
            "id": post.id,
            "idstr": str(post.id),
            "mid": str(post.id),
            "text": post.text,
            "source": "<a href=\"http://127.0.0.1\" rel=\"nofollow\">新媒体矩阵发布调度</a>",
            "user": {"id": post.uid, "idstr": str(post.uid), "screen_name": f"沙箱用户{post.uid % 10000:04d}"},
            "pic_ids": [post.picture.split(".")[0]] if post.picture else [],
        }
        if post.picture:
            data["original_pic"] = f"{request.root_url}pic/{post.picture}"
        return data

    # -- API ---------------------------------------------------------------------------------
    def api_share(self, request: Request) -> Response:
        uid = self._user(request)
        text = request.form.get("status", "")
        with self.lock:  # check-then-store must be atomic, or two racing posts both pass
            self._check_rate(uid, request.path)
            self._check_text(uid, text)
            picture = self._picture(request)
            post = Post(next(self.ids), uid, text, self.now(), picture)
            self.posts[post.id] = post
            self.by_user.setdefault(uid, UserPosts()).add(post)
        self.count_post(request, text, str(uid))
        return json_response(self.status_json(request, post))

    def api_shut_off(self, request: Request) -> Response:
        raise ApiError(10014, "Insufficient app permissions (this API is no longer available)", 403)

    def _own_post(self, request: Request, uid: int) -> Post:
        try:
            post = self.posts.get(int(request.values.get("id", "")))
        except ValueError:
            post = None
        if post is None or post.deleted:
            raise ApiError(20101, "Target weibo does not exist!")
        if post.uid != uid:
            raise ApiError(20102, "Not your own weibo!", 403)
        return post

    def api_destroy(self, request: Request) -> Response:
        uid = self._user(request)
        post = self._own_post(request, uid)
        with self.lock:
            if not post.deleted:
                post.deleted = True
                self.by_user[post.uid].remove_text(post)
        return json_response(self.status_json(request, post))

    def api_show(self, request: Request) -> Response:
        uid = self._user(request)
        return json_response(self.status_json(request, self._own_post(request, uid)))

    def api_user_timeline(self, request: Request) -> Response:
        """The authorising user's own posts, newest first (the API answers for nobody else)."""
        uid = self._user(request)
        try:
            count, page = int(request.args.get("count", 20)), int(request.args.get("page", 1))
        except ValueError:
            raise ApiError(10008, "param error, see doc for more info (count, page)") from None
        if not 1 <= count <= 100 or page < 1:
            raise ApiError(10008, "param error, see doc for more info (count 1..100, page >= 1)")
        with self.lock:  # posts arrive from other requests meanwhile
            posts = list(self.posts.values())
        mine = sorted((p for p in posts if p.uid == uid and not p.deleted),
                      key=lambda p: (p.created_at, p.id), reverse=True)
        shown = mine[(page - 1) * count : page * count]
        return json_response({"statuses": [self.status_json(request, p) for p in shown], "total_number": len(mine),
                              "previous_cursor": 0, "next_cursor": 0})

    def api_token_info(self, request: Request) -> Response:
        """OAuth2 token introspection (`publisher accounts --check`): whose token, how long left."""
        uid = self._user(request)
        return json_response({"uid": uid, "appkey": "sandbox", "scope": "", "create_at": 0, "expire_in": 7 * 86400})

    def api_count(self, request: Request) -> Response:
        self._user(request)
        ids = [i for i in request.args.get("ids", "").split(",") if i.strip()]
        if not ids or len(ids) > 100:
            raise ApiError(10008, "param error, see doc for more info (ids: 1 to 100 ids)")
        rows = []
        for raw in ids:
            post = self.posts.get(int(raw)) if raw.strip().isdigit() else None
            if post is not None and not post.deleted:
                rows.append({"id": post.id, **sandbox_pages.figures(post.id)})
        return json_response(rows)

    # -- pages and admin ---------------------------------------------------------------------
    def page_index(self, request: Request) -> Response:
        posts = sorted(self.posts.values(), key=lambda p: p.created_at, reverse=True)
        return html_response(sandbox_pages.index(self, request, posts))

    def page_post(self, request: Request, uid: int, post_id: str) -> Response:
        post = self.posts.get(int(post_id)) if post_id.isdigit() else None
        if post is None or post.uid != uid:
            return html_response(sandbox_pages.not_found(), 404)
        return html_response(sandbox_pages.post_page(self, request, post))

    def page_picture(self, request: Request, name: str) -> Response:
        picture = self.pictures.get(name)
        if picture is None:
            return Response("not found", status=404)
        return Response(picture[0], content_type=picture[1])

    def admin_expire_token(self, request: Request) -> Response:
        token = str((request.get_json(force=True) or {}).get("access_token", ""))
        with self.lock:
            self.expired.add(token)
        return json_response({"ok": True})

    def admin_reauthorize(self, request: Request) -> Response:
        token = str((request.get_json(force=True) or {}).get("access_token", ""))
        with self.lock:
            self.expired.discard(token)
        return json_response({"ok": True})

    def admin_length_rule(self, request: Request) -> Response:
        body = request.get_json(force=True) or {}
        with self.lock:
            self.strict_links = bool(body.get("strict_links", self.strict_links))
        return json_response({"ok": True, "strict_links": self.strict_links, "url_weight": self.config.url_weight})
