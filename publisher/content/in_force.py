"""The configuration the system runs on: the publisher.toml of the last commit sync accepted.

Sync keeps a copy of it (`keep_in_force`) each time it accepts a commit; the steps that need the
matrix between syncs (inspection, notifications) and the commands that only show things read
that copy, never the working tree: a broken or uncommitted publisher.toml there is not in force.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from publisher.content.matrix import CONFIG_NAME, Matrix, MatrixError, load_matrix


def in_force_dir(state_dir: Path) -> Path:
    return state_dir / "in-force"


def keep_in_force(config_root: Path, state_dir: Path) -> None:
    """Copy the accepted publisher.toml aside (atomically: readers never see half a file)."""
    target = in_force_dir(state_dir)
    target.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target, prefix=".publisher.toml.")
    os.close(fd)
    shutil.copyfile(config_root / CONFIG_NAME, temp)
    os.replace(temp, target / CONFIG_NAME)


def matrix_in_force(state_dir: Path, content_dir: Path) -> Matrix:
    """The last accepted matrix; before any sync accepted one, the content folder's (which
    raises MatrixError when it is broken: there is nothing else to run on)."""
    kept = in_force_dir(state_dir)
    if (kept / CONFIG_NAME).is_file():
        try:
            return load_matrix(kept)
        except MatrixError:  # written by another version: fall back to the folder
            pass
    return load_matrix(content_dir)
