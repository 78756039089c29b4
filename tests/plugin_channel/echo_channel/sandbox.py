"""The 回声 platform, locally: bearer tokens starting with `echo-`, posts kept in memory."""

from __future__ import annotations

import json
import threading

from werkzeug.wrappers import Request, Response


class EchoSandbox:
    def __init__(self) -> None:
        self.posts: dict[str, dict] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token.startswith("echo-"):
            return Response("bad token", status=401)(environ, start_response)
        path, method = request.path.rstrip("/"), request.method
        if path == "/whoami":
            body = {"user": token.removeprefix("echo-")}
        elif path == "/posts" and method == "POST":
            data = request.get_json()
            with self.lock:
                post_id = str(len(self.posts) + 1)
                self.posts[post_id] = {"text": data["text"], "key": data["key"], "user": token}
            body = {"id": post_id, "url": f"{request.host_url}echo/posts/{post_id}"}
        elif path.startswith("/posts/") and method == "GET":
            post_id = path.rsplit("/", 1)[1]
            body = {"views": 100 + int(post_id), "likes": 7}
        elif path.startswith("/posts/") and method == "DELETE":
            self.posts.pop(path.rsplit("/", 1)[1], None)
            body = {"ok": True}
        else:
            return Response("not found", status=404)(environ, start_response)
        return Response(json.dumps(body), content_type="application/json")(environ, start_response)
