"""What an archive holds, read from the ledger: every publication published in the period, the
item version it published (re-rendered from the copy stored when it was planned, and checked
against the rendition hash the ledger recorded, so the files are what the channel was sent), the
version's sign-offs and the audit rows of it all.

Nothing here writes; `build` lays the result out as files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from channels.base import ArchiveFile
from channels.registry import channel_class
from publisher.content.model import ContentItem
from publisher.ledger import AuditEntry, ItemVersion, Ledger, Publication
from publisher.office.archive.period import Period
from publisher.office.archive.signoffs import (
    HistoryCache,
    SignoffRecord,
    signoff_records,
    version_digest,
)
from publisher.runtime.context import Runtime


@dataclass
class ArchivedPublication:
    publication: Publication
    account_name: str
    channel_title: str
    files: list[ArchiveFile] = field(default_factory=list)
    # None: the files are exactly what the ledger says was sent; else a Chinese sentence.
    problem: str | None = None


@dataclass
class ArchivedVersion:
    version: ItemVersion
    item: ContentItem | None
    digest: str | None  # what readers see (the sign-offs' content hash)
    signoffs: list[SignoffRecord]
    publications: list[ArchivedPublication]
    audit: list[AuditEntry]
    problem: str | None = None

    @property
    def first_published(self):
        return min(p.publication.published_at for p in self.publications)


def published_in(ledger: Ledger, period: Period, tz) -> list[Publication]:
    """Rows that reached their channel within the period (retracted since or not)."""
    return [p for p in ledger.publications() if p.published_at is not None and period.contains(p.published_at, tz)]


def _source_files(item: ContentItem) -> list[tuple[str, bytes]]:
    """The version's own files (index.md and its pictures) as the editors committed them."""
    folder = item.folder
    return sorted(
        (path.relative_to(folder).as_posix(), path.read_bytes())
        for path in folder.rglob("*") if path.is_file() and not path.is_symlink()
    )


def source_files(version: ArchivedVersion) -> list[tuple[str, bytes]]:
    return _source_files(version.item) if version.item is not None else []


def _channel_title(name: str) -> str:
    cls = channel_class(name)
    return cls.title if cls is not None else name


def _publication(runtime: Runtime, pub: Publication, item: ContentItem | None, matrix, problem: str | None) -> ArchivedPublication:
    account = matrix.account(pub.account_id) if matrix is not None else None
    archived = ArchivedPublication(pub, account.name if account else pub.account_id, _channel_title(pub.channel))
    if item is None:
        archived.problem = f"发布内容无法还原：{problem}"
        return archived
    try:
        channel = runtime.channel(matrix, pub.account_id)
        rendition = channel.render(item)
    except Exception as exc:  # a renderer that cannot serve this row: the archive says so
        archived.problem = f"发布内容无法还原：{exc}"
        return archived
    archived.files = channel.archive_files(rendition)
    if rendition.content_hash != pub.rendition_hash:
        archived.problem = ("按存档版本重新生成的内容与账本记录的发送内容哈希不一致"
                            f"（账本 {pub.rendition_hash[:12]}，现生成 {rendition.content_hash[:12]}），文件仅供参考")
    return archived


def collect(runtime: Runtime, period: Period, content_root: Path | None, tz) -> list[ArchivedVersion]:
    ledger = runtime.ledger
    rows = published_in(ledger, period, tz)
    by_version: dict[int, list[Publication]] = defaultdict(list)
    for pub in rows:
        by_version[pub.item_version_id].append(pub)
    histories: dict[str, HistoryCache] = {}
    archived: list[ArchivedVersion] = []
    for version_id in sorted(by_version):
        pubs = sorted(by_version[version_id], key=lambda p: (p.published_at, p.id))
        version = ledger.item_version(version_id)
        if version is None:  # cannot happen with the foreign key; kept honest anyway
            continue
        item = matrix = problem = None
        try:
            item, matrix = runtime.load_version(version.item_id, version_id)
        except Exception as exc:  # VersionMissing or an unreadable copy
            problem = str(exc)
        signoffs: list[SignoffRecord] = []
        digest = None
        if item is not None:
            key = matrix.review.model_dump_json()  # one history read per review policy and commit
            cache = histories.setdefault(key, HistoryCache(content_root, matrix.review))
            signoffs = signoff_records(item, matrix.review, version.commit, cache)
            digest = version_digest(item)
        ids = {p.id for p in pubs}
        audit = [e for e in ledger.history(version.item_id)
                 if e.publication_id in ids or e.publication_id is None]
        archived.append(ArchivedVersion(
            version, item, digest, signoffs, [_publication(runtime, p, item, matrix, problem) for p in pubs], audit,
            problem=f"存档版本无法读取：{problem}" if problem else None,
        ))
    archived.sort(key=lambda v: (v.first_published, v.version.item_id, v.version.id))
    return archived
