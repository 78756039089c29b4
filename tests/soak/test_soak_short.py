"""Bounded memory (issue 13): the check-context cache keeps a few contexts, not one per sync, and
a resident process that syncs again and again does not grow. The long run (2,000 syncs) is
`make soak`; this is its short version, in a fresh interpreter so pytest's own memory does not
count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.checks import CONTEXT_CACHE_SIZE, cached_contexts, publish_context
from publisher.content.matrix import load_matrix

REPO = Path(__file__).resolve().parents[2]


def test_the_check_context_cache_keeps_a_bounded_number_of_matrices():
    matrices = [load_matrix(REPO / "content") for _ in range(3 * CONTEXT_CACHE_SIZE)]
    contexts = [publish_context(m) for m in matrices]
    assert cached_contexts() <= CONTEXT_CACHE_SIZE
    assert len({id(c) for c in contexts}) == len(matrices), "one context per matrix object"
    # The latest matrix is still cached: asking again builds nothing new.
    assert publish_context(matrices[-1]) is contexts[-1]
    # The oldest was forgotten: asking again builds a fresh one (and nothing breaks).
    again = publish_context(matrices[0])
    assert again is not contexts[0] and again.matrix is matrices[0]
    assert cached_contexts() <= CONTEXT_CACHE_SIZE


@pytest.mark.timeout(600)
def test_forty_syncs_in_one_process_keep_memory_flat():
    run = subprocess.run(
        [sys.executable, "-m", "tests.soak.run", "--syncs", "40", "--warmup", "5", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=580,
    )  # fmt: skip
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["peak_check_contexts"] <= CONTEXT_CACHE_SIZE, result
    assert result["growth_mb"] < 20.0, result
    assert run.returncode == 0, run.stdout + run.stderr
