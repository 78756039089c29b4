"""Getting the built folder to the web server: serve it in place, mirror it into another folder,
rsync it, or run a configured command. Every failure is a `DeployError` with a Chinese message."""

from __future__ import annotations

import fcntl
import filecmp
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from channels.site.config import SiteConfig


class DeployError(Exception):
    """Deployment failed; the message is for editors and operators."""


@contextmanager
def _one_mirror_at_a_time(target: Path) -> Iterator[None]:
    """Publications deploy the site from several threads and workers at once; two mirrors of one
    target interleaved delete each other's temporary files and fresh pages. flock on a file beside
    the target (not in it: the mirror would delete it) serialises threads and processes alike."""
    lock_path = target.with_name(f".{target.name}.deploy-lock")
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def mirror(source: Path, target: Path) -> list[str]:
    """Make `target` hold exactly `source`'s files, copying only what differs. Returns changed paths."""
    target.mkdir(parents=True, exist_ok=True)
    with _one_mirror_at_a_time(target):
        return _mirror(source, target)


def _mirror(source: Path, target: Path) -> list[str]:
    changed: list[str] = []
    wanted: set[Path] = set()
    for base, _dirs, files in os.walk(source):
        for name in files:
            if name.startswith("."):
                continue  # temporary files of a write in progress
            src = Path(base, name)
            rel = src.relative_to(source)
            wanted.add(rel)
            dst = target / rel
            if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            # Unique per thread: two publications deploying at once must not share a temp file.
            tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            shutil.copy2(src, tmp)
            os.replace(tmp, dst)
            changed.append(rel.as_posix())
    for base, dirs, files in os.walk(target, topdown=False):
        for name in files:
            rel = Path(base, name).relative_to(target)
            if rel not in wanted:
                Path(base, name).unlink()
                changed.append(rel.as_posix())
        for name in dirs:
            folder = Path(base, name)
            if not any(folder.iterdir()):
                folder.rmdir()
    return sorted(changed)


def _run(argv: list[str], timeout: float) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise DeployError(f"找不到部署命令：{argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise DeployError(f"部署命令超过 {timeout:.0f} 秒仍未结束：{argv[0]}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise DeployError(f"部署命令失败（退出码 {done.returncode}）：{detail[0]}")


def deploy(out: Path, config: SiteConfig) -> str:
    """Deploy the folder `out` as configured; returns a short Chinese description of what was done."""
    if config.deploy == "folder":
        if not config.target:
            return f"网站目录 {out} 即为发布目录"
        changed = mirror(out, Path(config.target))
        return f"已同步到 {config.target}（{len(changed)} 个文件有变化）"
    if config.deploy == "rsync":
        if shutil.which("rsync") is None:
            raise DeployError("未安装 rsync，无法部署（可改用 deploy = \"folder\"）")
        _run(["rsync", "-a", "--delete", f"{out}/", str(config.target)], config.timeout_seconds)
        return f"已用 rsync 同步到 {config.target}"
    argv = [part.replace("{out}", str(out)) for part in config.command or []]
    _run(argv, config.timeout_seconds)
    return f"已执行部署命令 {argv[0]}"
