"""What an operator does during and after the incident, through the product's own commands.

During the run: `publisher status --format json` names paused accounts with the reason. A WeChat
account out of its daily API quota is unblocked with the platform's `clear_quota`, a Weibo
account whose token expired is re-authorised; then `publisher unfreeze --account <id>`.

After the run: the poll step reconciles what the channels can tell; for every row still
unconfirmed the operator looks at the platform (the sandbox's post counter stands for "发表记录")
and runs `publisher retry <item> --account <id> --not-posted` when it is not there; failed rows
get one `publisher retry` once the faults are over. Every action is counted for the report.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

import requests
from typer.testing import CliRunner

from tests.chaos.content import WECHAT_SECRET, ChaosAccount


def cli(*args: str) -> tuple[int, str]:
    """`publisher …` in this process (the environment is the cluster's)."""
    from publisher.cli import app

    result = CliRunner().invoke(app, list(args))
    if result.stderr.strip():  # what a person at the desk would read beside the answer
        print(f"  [desk] publisher {' '.join(args)}: {result.stderr.strip()[:300]}", flush=True)
    return result.exit_code, result.stdout


@dataclass
class OperatorDesk:
    sandbox_url: str
    accounts: dict[str, ChaosAccount]
    react_seconds: float = 8.0  # a person notices a paused account only after a while
    actions: Counter = field(default_factory=Counter)
    seen_paused: dict[str, float] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    # -- during the run ------------------------------------------------------------------------
    def tend(self) -> None:
        code, output = cli("status", "--format", "json", "--state", "blocked")
        if code != 0:
            self.actions["status_errors"] += 1
            return
        paused = json.loads(output).get("paused_accounts", [])
        now = time.monotonic()
        for account_id in paused:
            first = self.seen_paused.setdefault(account_id, now)
            if now - first < self.react_seconds:
                continue
            account = self.accounts.get(account_id)
            if account is None:
                continue
            if self._unblock(account):
                code, output = cli("unfreeze", "--account", account_id)
                self.actions["unfreeze"] += code == 0
                self.log.append(f"unfreeze {account_id}: {output.strip()[:80]}")
                self.seen_paused.pop(account_id, None)
        for account_id in list(self.seen_paused):
            if account_id not in paused:
                self.seen_paused.pop(account_id)

    def _unblock(self, account: ChaosAccount) -> bool:
        try:
            if account.channel == "weibo":
                r = requests.post(
                    f"{self.sandbox_url}/weibo/_admin/reauthorize",
                    data=json.dumps({"access_token": account.remote}), timeout=10,
                )  # fmt: skip
                self.actions["weibo_reauthorize"] += r.ok
                return r.ok
            return self._clear_wechat_quota(account)
        except requests.RequestException:
            return False

    def _clear_wechat_quota(self, account: ChaosAccount) -> bool:
        """The platform's own `clear_quota` (10 a month), with a token of the account."""
        base = f"{self.sandbox_url}/wechat/cgi-bin"
        body = {"grant_type": "client_credential", "appid": account.remote, "secret": WECHAT_SECRET}
        token = requests.post(f"{base}/stable_token", data=json.dumps(body), timeout=10).json()
        if "access_token" not in token:
            return False
        answer = requests.post(
            f"{base}/clear_quota", params={"access_token": token["access_token"]},
            data=json.dumps({"appid": account.remote}), timeout=10,
        ).json()  # fmt: skip
        ok = answer.get("errcode") == 0
        self.actions["wechat_clear_quota"] += ok
        # Anything else (a 40001 after a token fault): the pause is there, the next look retries.
        return ok

    # -- after the run -------------------------------------------------------------------------
    def reconcile_unconfirmed(self, rows, posts_by_key: Counter) -> dict[str, int]:
        """For every unconfirmed row: posted on the platform → leave it (the editor links it);
        not there → `publisher retry --not-posted`. Returns what was done."""
        done: Counter = Counter()
        for row in rows:
            if posts_by_key.get(f"pub-{row.id}", 0) >= 1:
                done["verified_posted"] += 1
                continue
            code, output = cli("retry", row.item_id, "--account", row.account_id, "--not-posted")
            done["retry_not_posted" if code == 0 else "retry_refused"] += 1
            if code != 0:
                self.log.append(f"retry --not-posted {row.item_id} {row.account_id}: {output.strip()[:120]}")
        self.actions.update({f"final_{k}": v for k, v in done.items()})
        return dict(done)

    def retry_failed(self, rows) -> int:
        retried = 0
        for row in rows:
            code, _ = cli("retry", row.item_id, "--account", row.account_id)
            retried += code == 0
        self.actions["final_retry_failed"] += retried
        return retried
