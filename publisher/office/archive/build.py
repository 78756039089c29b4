"""Build an archive folder, and check one: `publisher archive` and `publisher archive verify`.

Building reads everything first, lays it out as bytes (layout, index_page), refuses if a known
secret is among them, and only then writes. Writing goes to an empty folder, or over an earlier
archive of the same period (nothing else: an archivist's folder is never overwritten by mistake).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.office.archive.collect import ArchivedVersion, collect
from publisher.office.archive.index_page import index_html
from publisher.office.archive.layout import archive_document, archive_files, period_record, to_json
from publisher.office.archive.manifest import (
    MANIFEST,
    SUMS,
    files_on_disk,
    manifest_bytes,
    read_manifest,
    sha256,
    sums_bytes,
)
from publisher.office.archive.period import Period
from publisher.office.archive.secrets_guard import known_secrets, refuse_secrets
from publisher.runtime.context import Runtime


class ArchiveError(Exception):
    """The archive cannot be written; the message is a Chinese sentence."""


@dataclass(frozen=True)
class ArchiveResult:
    folder: Path
    versions: int
    publications: int
    files: int
    problems: list[str]  # publications whose content could not be restored exactly

    def summary(self, label: str) -> str:
        text = f"已归档 {label}：{self.versions} 个稿件版本、{self.publications} 次发布，共 {self.files} 个文件，写入 {self.folder}"
        return text + ("。" if not self.problems else f"；其中 {len(self.problems)} 处需注意（见下）。")


def archive_bytes(versions: list[ArchivedVersion], period: Period, tz: ZoneInfo) -> dict[str, bytes]:
    """Every file of the archive, manifest included: the same input gives the same bytes."""
    files = archive_files(versions, tz)
    document = archive_document(versions, period, tz)
    files["archive.json"] = to_json(document)
    files["index.html"] = index_html(document, file_count=len(files) + 3)  # + index, manifest, sums
    about = {"period": period_record(period, tz),
             "counts": {"versions": len(versions), "publications": sum(len(v.publications) for v in versions)}}
    manifest = manifest_bytes(about, files)
    listed = {name: sha256(data) for name, data in files.items()}
    files[MANIFEST] = manifest
    files[SUMS] = sums_bytes({**listed, MANIFEST: sha256(manifest)})
    return files


def _prepare(out: Path, period: Period) -> None:
    """Make `out` ready to receive the archive, or refuse with a sentence."""
    if out.exists() and not out.is_dir():
        raise ArchiveError(f"{out} 已存在且不是目录，请换一个归档目录")
    if not out.exists() or not any(out.iterdir()):
        return
    previous = read_manifest(out)
    if previous is None:
        raise ArchiveError(f"目录 {out} 不是空目录，也不是之前生成的归档；为免覆盖其他文件，请指定一个空目录或新目录")
    code = (previous.get("period") or {}).get("code")
    if code != period.code:
        raise ArchiveError(f"目录 {out} 中已是另一期间（{code}）的归档，不能写入{period.label}的归档；请换一个目录")
    ours = {e["path"] for e in previous["files"] if isinstance(e, dict) and isinstance(e.get("path"), str)}
    others = sorted(files_on_disk(out) - ours - {MANIFEST, SUMS})
    if others:
        shown = "、".join(others[:5]) + ("等" if len(others) > 5 else "")
        raise ArchiveError(f"目录 {out} 中有不属于原归档的文件（{shown}），为免删除它们已停止；请移走这些文件或换一个目录")
    for child in out.iterdir():  # only the earlier archive's own files are here
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


def build_archive(runtime: Runtime, period: Period, out: Path, *, content_root: Path | None, tz: ZoneInfo,
                  progress: Callable[[str], None] | None = None) -> ArchiveResult:
    versions = collect(runtime, period, content_root, tz)
    if progress:
        progress(f"已读取 {len(versions)} 个稿件版本，正在生成文件…")
    files = archive_bytes(versions, period, tz)
    refuse_secrets(files, known_secrets(runtime.settings))
    _prepare(out, period)
    for name, data in sorted(files.items()):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    problems = [f"{v.version.title} · {p.account_name}：{p.problem}" for v in versions for p in v.publications if p.problem]
    return ArchiveResult(out, len(versions), sum(len(v.publications) for v in versions), len(files), problems)
