"""Before a ledger plans or dispatches anything: is it the right ledger, and is it whole?

- **Which content repo.** The first sync records the repo (its root commit, or a plain folder's
  path) and the matrix' accounts in the ledger (publisher.ledger.identity). A ledger that serves
  another repo refuses to plan, with the sentence and the fix (`LedgerMismatch`).
- **History.** A new ledger, and an account new to a ledger, hold what fell due before they
  appeared (less `PUBLISHER_CATCH_UP_MINUTES`) until `publisher adopt`.
- **A restored backup.** The state folder keeps a mark beside the ledger: the newest audit row
  seen (id and time) and the ledger's id. Audit rows are only ever added, so if the ledger no
  longer has that row as it was, the ledger went back in time (a backup restored, another copy
  pointed at); every account then holds what is due until `publisher adopt` has asked the
  platforms. Checked on every sync and every dispatcher tick, before anything is claimed.
  Limits (docs/reliability.md): a state folder restored together with the ledger, or a mark
  never written (a ledger used only from machines without this state folder), cannot tell.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from publisher.content.matrix import Matrix
from publisher.content.source import content_identity
from publisher.ledger import Ledger
from publisher.ledger.identity import Hold, Identity
from publisher.settings import Settings

log = logging.getLogger(__name__)

MARK_FILE = "ledger-mark.json"


class LedgerMismatch(Exception):
    """The ledger serves another content repo; the message is the sentence and the fix."""


def _describe(repo: str | None, remote: str | None, path: str | None) -> str:
    if repo:
        where = f"仓库 {remote or '（无远程地址）'}，首个提交 {repo[:10]}"
        return where + (f"，目录 {path}" if path else "")
    return f"目录 {path}"


def check_repo(ident: Identity, root: Path, settings: Settings) -> None:
    """Raise `LedgerMismatch` when the ledger was recorded for another content repo."""
    here = content_identity(root, use_git=settings.use_git)
    if ident.repo and here.repo:
        same = ident.repo == here.repo and (ident.content_path or "") == here.content_path
    elif not ident.repo and not here.repo:
        same = ident.content_path == here.content_path
    else:
        same = True  # the same folder read with and without git: nothing to tell them apart
    if not same:
        raise LedgerMismatch(
            f"发布账本属于另一个内容库（{_describe(ident.repo, ident.remote, ident.content_path)}），"
            f"而当前内容库是{_describe(here.repo, here.remote, here.content_path)}，已停止，未发布任何内容。"
            "请检查 PUBLISHER_DATABASE_URL 与 PUBLISHER_CONTENT_DIR 是否指向同一套发布（账本地址写错、换了状态目录）；"
            "内容库确已更换时，请为它使用新的账本，再运行 publisher adopt 核对各渠道已有的内容。"
        )


def refuse_foreign(ledger: Ledger, root: Path, settings: Settings) -> None:
    """Before a resident run starts: a ledger recorded for another repo stops it (LedgerMismatch)."""
    ident = ledger.identity()
    if ident is not None:
        check_repo(ident, root, settings)


def identify(ledger: Ledger, root: Path, matrix: Matrix, settings: Settings, now: datetime) -> dict[str, Hold]:
    """The sync's guard: refuse a foreign ledger, record identity and new accounts, notice a
    restored backup. Returns the holds the planner applies, by account."""
    ident = ledger.identity()
    if ident is not None:
        check_repo(ident, root, settings)
    new = ident is None
    here = content_identity(root, use_git=settings.use_git)
    ident = ledger.ensure_identity(
        repo=here.repo, remote=here.remote, content_path=here.content_path,
        accounts={a.id: a.channel for a in matrix.accounts},
        window=timedelta(minutes=settings.catch_up_minutes), now=now,
    )
    if new:
        # A new ledger already holds everything before it; a mark left by another ledger in
        # this state folder only needs to follow the new one.
        write_mark(ledger, settings)
        return ident.holds()
    return (notice_restore(ledger, settings, now) or ident).holds()


def expected_holds(ledger: Ledger, root: Path, matrix: Matrix, settings: Settings, now: datetime) -> dict[str, Hold]:
    """What `identify` would apply, without writing (`publisher plan`)."""
    ident = ledger.identity()
    if ident is not None:
        check_repo(ident, root, settings)
    holds = ident.holds() if ident is not None else {}
    new = Hold(now - timedelta(minutes=settings.catch_up_minutes), "new")
    for account in matrix.accounts:
        if ident is None or (ident.accounts.get(account.id) or {}).get("channel") != account.channel:
            holds[account.id] = new
    return holds


# The log line is read by operators; the hold's reason code stays English in the ledger.
_WHY_ZH = {"other": "状态目录上次使用的是另一个账本", "restored": "账本可能从备份恢复或被改动过"}


def notice_restore(ledger: Ledger, settings: Settings, now: datetime) -> Identity | None:
    """Compare the state folder's mark with the ledger; on a mismatch hold every account and
    return the updated identity (None: nothing noticed, or no identity yet)."""
    ident = ledger.identity()
    mark = read_mark(settings.state_dir)
    if ident is None or mark is None:
        return None
    if mark.get("ledger_id") != ident.ledger_id:
        why = "other"
    else:
        seen = ledger.audit_time(int(mark.get("audit_id") or 0))
        if seen is not None and seen.isoformat() == mark.get("audit_at"):
            return None
        why = "restored"
    log.warning("发布账本与状态目录的记录不符（%s）：此前到期的内容暂缓，等待 publisher adopt", _WHY_ZH[why])
    held = ledger.hold_accounts(now, why, actor="identity", detail={"mark": mark}, now=now)
    write_mark(ledger, settings)  # the mark now follows this ledger: warn once, hold until adopt
    return held


def mark_path(state_dir: Path) -> Path:
    return state_dir / MARK_FILE


def read_mark(state_dir: Path) -> dict | None:
    try:
        data = json.loads(mark_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_mark(ledger: Ledger, settings: Settings) -> None:
    """Remember the newest audit row of this ledger beside it (atomic: workers share the folder)."""
    ident, last = ledger.identity(), ledger.last_audit()
    if ident is None or last is None:
        return
    mark = {"ledger_id": ident.ledger_id, "audit_id": last[0], "audit_at": last[1].isoformat()}
    path = mark_path(settings.state_dir)
    if read_mark(settings.state_dir) == mark:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(mark), encoding="utf-8")
        os.replace(temp, path)
    except OSError as exc:  # a read-only state folder must not stop publishing; say so
        log.warning("无法写入账本标记 %s：%s", path, exc)


def tick_guard(ledger: Ledger, settings: Settings, now: datetime) -> None:
    """The dispatcher's guard, before it claims: notice a restore, hold what is due inside a hold."""
    notice_restore(ledger, settings, now)
    held = ledger.hold_due_rows(now=now)
    if held:
        log.warning("暂缓 %d 条到期发布，等待 publisher adopt：%s", len(held), [p.id for p in held][:20])
