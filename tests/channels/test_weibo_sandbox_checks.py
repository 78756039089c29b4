"""The Weibo sandbox's repeat and rate checks keep per-user indexes (issue 17: no scan of every
earlier post): what they answer must be what the scan answered."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from werkzeug.test import Client

from channels.weibo.sandbox import SHANGHAI, WeiboSandbox, WeiboSandboxConfig

SHARE = "/2/statuses/share.json"


def _share(client: Client, text: str, token: str = "sandbox-token-1"):
    response = client.post(SHARE, data={"access_token": token, "status": text})
    return response.status_code, response.get_json()


def test_repeats_are_per_user_and_a_destroyed_post_may_be_said_again_but_still_counts():
    sandbox = WeiboSandbox(WeiboSandboxConfig(hourly_limit=3, daily_post_limit=100))
    client = Client(sandbox)
    status, first = _share(client, "第一条 http://127.0.0.1/a")
    assert status == 200
    assert _share(client, "第一条 http://127.0.0.1/a")[1]["error_code"] == 20019
    assert _share(client, "第一条！ http://127.0.0.1/b")[1]["error_code"] == 20017  # same once links go
    assert _share(client, "第一条 http://127.0.0.1/a", token="sandbox-token-2")[0] == 200  # another user
    client.post("/2/statuses/destroy.json", data={"access_token": "sandbox-token-1", "id": first["idstr"]})
    assert _share(client, "第一条 http://127.0.0.1/a")[0] == 200  # destroyed: no longer a repeat
    assert _share(client, "第二条 http://127.0.0.1/c")[0] == 200
    # Three posts this hour for user 1, the destroyed one included: the limit holds.
    assert _share(client, "第三条 http://127.0.0.1/d")[1]["error_code"] == 10024
    sandbox.clock_shift = 3601  # an hour later the window is empty again
    assert _share(client, "第三条 http://127.0.0.1/d")[0] == 200


def test_daily_limit_and_minimum_interval():
    sandbox = WeiboSandbox(WeiboSandboxConfig(hourly_limit=100, daily_post_limit=2, min_interval_seconds=30))
    client = Client(sandbox)
    # The sandbox's clock at noon in Shanghai, so the test never straddles midnight.
    noon = (datetime.now(SHANGHAI) + timedelta(days=1)).replace(hour=12, minute=0, second=0)
    sandbox.clock_shift = noon.timestamp() - time.time()
    assert _share(client, "甲 http://127.0.0.1/a")[0] == 200
    assert _share(client, "乙 http://127.0.0.1/b")[1]["error_code"] == 20016
    sandbox.clock_shift += 60
    assert _share(client, "乙 http://127.0.0.1/b")[0] == 200
    sandbox.clock_shift += 60
    assert _share(client, "丙 http://127.0.0.1/c")[1]["error_code"] == 10023
    sandbox.clock_shift += 86400  # the next day
    assert _share(client, "丙 http://127.0.0.1/c")[0] == 200
