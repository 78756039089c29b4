"""Publish jobs and statistics of the WeChat sandbox: freepublish/submit, get, delete, batchget
and datacube. A job is decided at submission (review rejection is a fault switch) and finishes
`publish_delay_seconds` later, computed when asked: no timers, no background threads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from channels.sandbox_app import json_response
from channels.wechat import sandbox_pages
from channels.wechat.sandbox_tokens import ApiError

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Job:
    publish_id: int
    msg_data_id: int
    appid: str
    article: dict[str, Any]
    submitted_at: float
    outcome: int  # publish_status once the job is done: 0 or 4
    root: str
    article_id: str | None = None
    published_at: float | None = None
    deleted: bool = False


class PublishJobs:
    """Endpoints mixed into `WeChatSandbox` (which provides state, tokens, quotas and clock)."""

    def api_submit(self, request: Request) -> Response:
        appid = self._account(request)
        media_id = str(self._body(request).get("media_id") or "")
        draft = self.drafts.get(media_id)
        if draft is None or draft["appid"] != appid:
            raise ApiError(40007, "invalid media_id")
        if not all(self.material_exists(request, appid, a.get("thumb_media_id")) for a in draft["articles"]):
            raise ApiError(40007, "invalid media_id")  # its cover was deleted after the draft was made
        self._spend(appid, request.path)
        outcome = 4 if self.faults.fires("review_reject", request.path) else 0
        with self.lock:
            publish_id = next(self.ids)
            job = Job(publish_id, publish_id + 5000000, appid, draft["articles"][0], self.now(), outcome, request.root_url)
            self.jobs[publish_id] = job
        self.count_post(request, str(job.article["title"]), appid)
        return json_response({"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": job.msg_data_id})

    def job_status(self, job: Job) -> int:
        if job.deleted:
            return 5
        if self.now() < job.submitted_at + self.config.publish_delay_seconds:
            return 1
        if job.outcome == 0 and job.article_id is None:
            with self.lock:
                job.article_id = f"sbx_{hashlib.sha256(str(job.publish_id).encode()).hexdigest()[:20]}"
                job.published_at = job.submitted_at + self.config.publish_delay_seconds
        return job.outcome

    def api_publish_get(self, request: Request) -> Response:
        appid = self._account(request)
        job = self._job(appid, self._body(request).get("publish_id"))
        self._spend(appid, request.path)
        status = self.job_status(job)
        answer: dict[str, Any] = {"publish_id": job.publish_id, "publish_status": status}
        if job.article_id:
            answer["article_id"] = job.article_id
            answer["article_detail"] = {"count": 1, "item": [{"idx": 1, "article_url": self.article_url(job)}]}
        if status in (2, 3, 4, 6):
            answer["fail_idx"] = [1]
        return json_response(answer)

    def _job(self, appid: str, publish_id: Any) -> Job:
        try:
            job = self.jobs.get(int(publish_id))
        except (TypeError, ValueError):
            job = None
        if job is None or job.appid != appid:
            raise ApiError(40007, "invalid publish_id")
        return job

    def article_url(self, job: Job) -> str:
        return f"{job.root}s/{job.article_id}"

    def api_publish_delete(self, request: Request) -> Response:
        appid = self._account(request)
        body = self._body(request)
        job = next((j for j in self.jobs.values() if j.article_id and j.article_id == body.get("article_id")), None)
        if job is None or job.appid != appid or int(body.get("index", 0)) > 1:
            raise ApiError(40007, "invalid article_id")
        self._spend(appid, request.path)
        with self.lock:
            job.deleted = True
        return json_response({"errcode": 0, "errmsg": "ok"})

    def api_publish_batchget(self, request: Request) -> Response:
        """Published articles of the account, newest first (what "发表记录" shows)."""
        appid = self._account(request)
        body = self._body(request)
        offset, count = int(body.get("offset", 0)), int(body.get("count", 20))
        if not 1 <= count <= 20:
            raise ApiError(40097, "invalid args (count 1..20)")
        with self.lock:  # other requests add jobs meanwhile (a chaos run's reconcile met one)
            jobs = list(self.jobs.values())
        done = [j for j in jobs if j.appid == appid and self.job_status(j) == 0]
        done.sort(key=lambda j: j.published_at or 0, reverse=True)
        items = [
            {
                "article_id": job.article_id,
                "update_time": int(job.published_at or 0),
                "content": {"news_item": [{
                    "title": job.article["title"],
                    "author": job.article.get("author", ""),
                    "url": self.article_url(job),
                    "is_deleted": False,
                }]},
            }
            for job in done[offset : offset + count]
        ]
        return json_response({"total_count": len(done), "item_count": len(items), "item": items})

    # -- statistics --------------------------------------------------------------------------
    def _day(self, request: Request) -> tuple[str, date]:
        appid = self._account(request)
        body = self._body(request)
        try:
            begin = date.fromisoformat(str(body.get("begin_date")))
            end = date.fromisoformat(str(body.get("end_date")))
        except ValueError:
            raise ApiError(61500, "date format error") from None
        if end != begin or end >= self.today():
            raise ApiError(61501, "date range error")
        return appid, begin

    def _published_on(self, appid: str, day: date) -> list[Job]:
        found = []
        for job in list(self.jobs.values()):
            done = job.appid == appid and self.job_status(job) == 0 and job.published_at
            if done and datetime.fromtimestamp(job.published_at, SHANGHAI).date() == day:
                found.append(job)
        return found

    def api_article_total(self, request: Request) -> Response:
        appid, day = self._day(request)
        rows = []
        for job in self._published_on(appid, day):
            last = min(day + timedelta(days=6), self.today() - timedelta(days=1))
            details = [
                sandbox_pages.figures(job.publish_id, (day + timedelta(days=n)), cumulative_days=n + 1)
                for n in range((last - day).days + 1)
            ]
            rows.append({"ref_date": day.isoformat(), "msgid": f"{job.msg_data_id}_1", "title": job.article["title"], "details": details})
        return json_response({"list": rows})

    def api_article_summary(self, request: Request) -> Response:
        appid, day = self._day(request)
        rows = [
            {"ref_date": day.isoformat(), "msgid": f"{job.msg_data_id}_1", "title": job.article["title"],
             **sandbox_pages.figures(job.publish_id, day, cumulative_days=1)}
            for job in self._published_on(appid, day)
        ]
        return json_response({"list": rows})
