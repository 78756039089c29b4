"""The peer site generators, installed on demand and kept out of the project's dependencies.

- Pelican (+ Python-Markdown for `.md`) in its own virtual environment, `bench/_peers/pelican`,
  so its pins never meet ours.
- Hugo from Debian (`apt-get install -y hugo`, as root), when `hugo` is not on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.measure import HERE

PEERS = HERE / "_peers"
PELICAN_VENV = PEERS / "pelican"
PELICAN_PACKAGES = ["pelican>=4.9", "markdown>=3.5"]


class PeerMissing(RuntimeError):
    """A peer tool could not be installed; the benchmark says so instead of a figure."""


def pelican() -> Path:
    """The `pelican` executable of the private venv (created and filled when missing)."""
    exe = PELICAN_VENV / "bin" / "pelican"
    if exe.is_file():
        return exe
    print("installing Pelican into bench/_peers/pelican (once) …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PELICAN_VENV)], check=True)
    pip = [str(PELICAN_VENV / "bin" / "python"), "-m", "pip", "install", "-q", *PELICAN_PACKAGES]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0 or not exe.is_file():
        raise PeerMissing(f"pip install {' '.join(PELICAN_PACKAGES)} failed: {done.stderr[-500:]}")
    return exe


def pelican_version() -> str:
    out = subprocess.run([str(pelican()), "--version"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def hugo() -> str:
    """The `hugo` binary; installs Debian's package when missing and we are root."""
    found = shutil.which("hugo")
    if found:
        return found
    if os.geteuid() != 0:
        raise PeerMissing("hugo is not installed and this is not root: run `apt-get install -y hugo`")
    print("installing Hugo with apt-get (once) …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "-q", "hugo"], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        done = subprocess.run(["apt-get", "install", "-y", "-q", "hugo"], capture_output=True, text=True, env=env)
    found = shutil.which("hugo")
    if not found:
        raise PeerMissing(f"apt-get install hugo failed: {done.stderr[-500:]}")
    return found


def hugo_version() -> str:
    out = subprocess.run([hugo(), "version"], capture_output=True, text=True)
    return out.stdout.strip().split(" BuildDate")[0] or "?"
