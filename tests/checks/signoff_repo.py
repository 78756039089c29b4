"""A real git content repo for the sign-off tests: reviewers registered in publisher.toml, commits
made as each person (optionally signed with an SSH key made by ssh-keygen)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REVIEWERS = {
    "周敏": ("zhoumin@bjdata.example.cn", ["初审"]),
    "陈立群": ("chenliqun@bjdata.example.cn", ["复审"]),
    "刘振华": ("liuzhenhua@bjdata.example.cn", ["终审"]),
    "吴海东": ("wuhaidong@bjdata.example.cn", ["初审", "复审"]),
}
EDITOR = ("王编辑", "wangbianji@bjdata.example.cn")

ITEM_ID = "2026/11/meeting"
ITEM = """\
---
title: 全市数据工作推进会召开
author: 市数据管理局
department: 办公室
publish_at: 2026-11-05 09:00
targets:
  site:
---

会议部署了下一阶段数据工作重点任务。
"""


def require_ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    if path is None:
        message = "ssh-keygen not found (install openssh-client: bash scripts/system-deps.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@dataclass
class Repo:
    root: Path
    keys: dict[str, Path] = field(default_factory=dict)  # reviewer name → private key file

    def git(self, *args: str, name: str | None = None, email: str | None = None, key: Path | None = None) -> str:
        config: list[str] = []
        if name is not None:
            config += ["-c", f"user.name={name}", "-c", f"user.email={email}"]
        if key is not None:
            config += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "-c", "commit.gpgsign=true"]
        done = subprocess.run(["git", *config, "-C", str(self.root), *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def commit(self, message: str, who: tuple[str, str] = EDITOR, *, signed: bool = True) -> str:
        key = self.keys.get(who[0]) if signed else None
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, name=who[0], email=who[1], key=key)
        return self.git("rev-parse", "HEAD")

    @property
    def item(self) -> Path:
        return self.root / "items" / ITEM_ID / "index.md"

    def edit(self, old: str, new: str) -> None:
        self.item.write_text(self.item.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    def add_line(self, stage: str, by: str, at: str) -> None:
        from publisher.content.approval import SignLine
        from publisher.content.signing import insert_signoff

        self.item.write_text(insert_signoff(self.item.read_text(encoding="utf-8"), SignLine(stage, by, at)),
                             encoding="utf-8")

    def sign(self, stage: str, by: str, at: str, *, committer: str | None = None, signed: bool = True) -> str:
        """Add the line and commit it as `committer` (default: the person named)."""
        self.add_line(stage, by, at)
        who = committer or by
        email = REVIEWERS[who][0] if who in REVIEWERS else EDITOR[1]
        return self.commit(f"签发{stage}", (who, email), signed=signed)


def reviewers_toml(keys: dict[str, str] | None = None) -> str:
    blocks = []
    for name, (email, stages) in REVIEWERS.items():
        stage_list = ", ".join(f'"{s}"' for s in stages)
        key = f'\nkey = "{keys[name]}"' if keys and name in keys else ""
        blocks.append(f'[[review.reviewers]]\nname = "{name}"\nemail = "{email}"\nstages = [{stage_list}]{key}\n')
    return "\n".join(blocks)


def make_repo(base: Path, *, require_signatures: bool = False) -> Repo:
    root = base / "content"
    (root / "items" / ITEM_ID).mkdir(parents=True)
    repo = Repo(root)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    public: dict[str, str] = {}
    if require_signatures:
        keygen = require_ssh_keygen()
        (base / "keys").mkdir()
        for index, name in enumerate([*REVIEWERS, "stranger"]):
            key = base / "keys" / f"key{index}"
            subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
            repo.keys[name] = key
            public[name] = key.with_suffix(".pub").read_text().strip()
    policy = "require_signatures = true\n" if require_signatures else ""
    (root / "publisher.toml").write_text(
        f'timezone = "Asia/Shanghai"\n\n[[accounts]]\nid = "portal"\nname = "门户网站"\nchannel = "site"\n\n'
        f'[review]\nstages = ["初审", "复审", "终审"]\n{policy}\n{reviewers_toml(public)}',
        encoding="utf-8",
    )
    repo.item.write_text(ITEM, encoding="utf-8")
    repo.commit("新稿件")
    return repo


def signed_history(repo: Repo) -> None:
    repo.sign("初审", "周敏", "2026-11-03 10:00")
    repo.sign("复审", "陈立群", "2026-11-03 15:00")
    repo.sign("终审", "刘振华", "2026-11-04 09:00")
