"""When the content folder is a git repo that git will not open.

git refuses a repo owned by another user ("detected dubious ownership", the usual case in a
container that runs as its own user over a bind-mounted repo), one it may not read, or one whose
`.git` is broken. Answering "not a git repo" would make sync read the working tree, uncommitted
and unreviewed edits included, with no commit id: so sync stops instead, with the reason and
the fix in a sentence an operator can act on.
"""

from __future__ import annotations

from pathlib import Path


def git_marker(root: Path) -> Path | None:
    """The `.git` (folder or file) that makes `root` part of a repo, searched upwards."""
    start = root.absolute()
    for folder in [start, *start.parents]:
        marker = folder / ".git"
        try:
            if marker.exists() or marker.is_symlink():
                return marker
        except OSError:  # not even allowed to look: that is a refusal too
            return marker
    return None


def refusal_sentence(root: Path, marker: Path, stderr: str) -> str:
    """What went wrong and how to fix it, for the git error `stderr`."""
    repo = marker.parent
    said = stderr.strip().splitlines()[0] if stderr.strip() else ""
    lower = stderr.lower()
    if "dubious ownership" in lower:
        return (
            f"内容库 {repo} 属于另一个系统用户，git 拒绝为当前用户打开它（dubious ownership），同步已停止，"
            "不会改读未提交的工作目录。处理：由运行发布程序的用户执行 "
            f"git config --global --add safe.directory {repo}；"
            "或让发布程序使用自己的克隆（设置 PUBLISHER_CONTENT_REMOTE，见 README 运维部分）"
        )
    if "permission denied" in lower:
        return (
            f"没有权限读取内容库 {repo} 的 git 数据（{marker}），同步已停止，不会改读工作目录。"
            f"处理：让运行发布程序的用户可以读取 {marker}（如 chmod -R a+rX {marker}），"
            "或设置 PUBLISHER_CONTENT_REMOTE 使用发布程序自己的克隆"
        )
    return (
        f"内容库 {repo} 有 .git，但 git 无法打开它（{said or '未知原因'}），同步已停止，不会改读工作目录。"
        f"处理：在 {repo} 运行 git status 查看原因并修复（.git 可能损坏或不完整，可重新克隆）；"
        "如果这里本不该是 git 仓库，请移走 .git 并设置 PUBLISHER_USE_GIT=false"
    )
