"""Where each thing goes in an archive folder, as {relative path: bytes}; pure and deterministic
(sorted keys, local times from the ledger, no "generated at"), so the same ledger gives the same
bytes.

    index.html                              the page an archivist opens (index_page)
    archive.json                            everything below, as one document
    items/<item>/v<version>/version.json    the version: title, department, commit, hashes
    items/<item>/v<version>/source/…        its index.md and pictures as stored when planned
    items/<item>/v<version>/signoffs.json   who signed what, when, verified how
    items/<item>/v<version>/audit.json|txt  its ledger rows; the same as sentences
    items/<item>/v<version>/<account>-<publication>/publication.json and the channel's files
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from publisher.ledger import AuditEntry, state_label
from publisher.ledger.scrub import scrub_data
from publisher.office.archive.collect import ArchivedPublication, ArchivedVersion, source_files
from publisher.office.archive.manifest import sha256
from publisher.office.archive.period import Period
from publisher.office.audit_text import log_lines

_UNSAFE = re.compile(r'[\\:*?"<>|\x00-\x1f]')


def safe_path(text: str) -> str:
    """A relative path that stays inside the archive on every file system."""
    parts = [_UNSAFE.sub("_", part) for part in text.replace("\\", "/").split("/")]
    return "/".join("_" if part in ("", ".", "..") else part for part in parts)


def local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def to_json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def version_folder(version: ArchivedVersion) -> str:
    return f"items/{safe_path(version.version.item_id)}/v{version.version.id}"


def publication_folder(version: ArchivedVersion, archived: ArchivedPublication) -> str:
    pub = archived.publication
    return f"{version_folder(version)}/{safe_path(pub.account_id)}-{pub.id}"


def _audit_rows(entries: list[AuditEntry], tz: ZoneInfo) -> list[dict]:
    return [
        {"id": e.id, "at": local(e.at, tz), "event": e.event, "publication_id": e.publication_id,
         "from_state": e.from_state.value if e.from_state else None,
         "to_state": e.to_state.value if e.to_state else None, "actor": e.actor, "detail": scrub_data(e.detail)}
        for e in entries
    ]


def audit_text(version: ArchivedVersion, tz: ZoneInfo) -> str:
    accounts = {p.publication.id: f"{p.account_name}（{p.publication.account_id}）" for p in version.publications}
    return "".join(f"{line.at}  {line.actor}  {line.text}\n" for line in log_lines(version.audit, accounts, tz))


def publication_record(version: ArchivedVersion, archived: ArchivedPublication, tz: ZoneInfo) -> dict:
    pub = archived.publication
    folder = publication_folder(version, archived)
    return {
        "id": pub.id, "channel": pub.channel, "channel_title": archived.channel_title,
        "account_id": pub.account_id, "account_name": archived.account_name,
        "state": pub.state.value, "state_label": state_label(pub.state), "manual": pub.manual,
        "scheduled_at": local(pub.scheduled_at, tz), "published_at": local(pub.published_at, tz),
        "url": pub.url, "remote_id": pub.remote_id, "rendition_hash": pub.rendition_hash,
        "rendition_check": archived.problem or "与账本记录的发送内容一致（哈希相同）",
        "phases": scrub_data(pub.phases),
        "files": [{"path": f"{folder}/{safe_path(f.name)}", "name": safe_path(f.name), "label": f.label, "media_type": f.media_type,
                   "size": len(f.data), "sha256": sha256(f.data)} for f in archived.files],
    }


def version_record(version: ArchivedVersion, tz: ZoneInfo) -> dict:
    v = version.version
    return {
        "version_id": v.id, "item_id": v.item_id, "title": v.title, "department": v.department,
        "commit": v.commit, "source_hash": v.source_hash, "reader_digest": version.digest,
        "publish_at": local(v.publish_at, tz), "expire_at": local(v.expire_at, tz), "planned_at": local(v.created_at, tz),
        "folder": version_folder(version), "problem": version.problem,
        "source": [f"{version_folder(version)}/source/{safe_path(name)}" for name, _ in source_files(version)],
        "signoffs": [s.to_dict() for s in version.signoffs],
        "publications": [publication_record(version, p, tz) for p in version.publications],
        "audit": audit_text(version, tz).splitlines(),
    }


def archive_document(versions: list[ArchivedVersion], period: Period, tz: ZoneInfo) -> dict:
    return {"period": period_record(period, tz), "versions": [version_record(v, tz) for v in versions]}


def period_record(period: Period, tz: ZoneInfo) -> dict:
    return {"code": period.code, "label": period.label, "first_day": period.first.isoformat(),
            "last_day": period.last.isoformat(), "timezone": str(tz)}


def archive_files(versions: list[ArchivedVersion], tz: ZoneInfo) -> dict[str, bytes]:
    """Every file but index.html, archive.json and the manifest."""
    files: dict[str, bytes] = {}
    for version in versions:
        folder = version_folder(version)
        record = version_record(version, tz)
        files[f"{folder}/version.json"] = to_json({k: v for k, v in record.items() if k not in ("signoffs", "publications", "audit")})
        files[f"{folder}/signoffs.json"] = to_json(record["signoffs"])
        files[f"{folder}/audit.json"] = to_json(_audit_rows(version.audit, tz))
        files[f"{folder}/audit.txt"] = audit_text(version, tz).encode()
        for name, data in source_files(version):
            files[f"{folder}/source/{safe_path(name)}"] = data
        for archived, pub_record in zip(version.publications, record["publications"], strict=True):
            pub_folder = publication_folder(version, archived)
            files[f"{pub_folder}/publication.json"] = to_json(pub_record)
            for file in archived.files:
                files[f"{pub_folder}/{safe_path(file.name)}"] = file.data
    return files
