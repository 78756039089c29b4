"""A check run makes one channel object per account, not one per item and target (the channel's
setup validates the account's options), and reports exactly what one object per target reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.checks import check_items
from publisher.checks.context import CheckContext
from publisher.content.matrix import load_matrix
from publisher.render import renditions

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("root", [ROOT / "content", ROOT / "tests" / "fixtures" / "render_content"])
def test_a_check_run_makes_one_channel_object_per_account(root, monkeypatch):
    made: list[str] = []
    real = renditions.channel_for
    monkeypatch.setattr(renditions, "channel_for",
                        lambda account, *args: made.append(account.id) or real(account, *args))
    matrix = load_matrix(root)
    report = check_items(root, matrix, workers=1, keep_items=False)
    assert report.items_checked > 1
    assert made and sorted(made) == sorted(set(made)) and len(made) <= len(matrix.accounts)
    assert CheckContext.build(matrix).channels is None  # only a check run turns reuse on

    made.clear()  # one object per target, as before: the same findings
    monkeypatch.setattr(CheckContext, "channel", lambda ctx, account: renditions.channel_for(
        account, ctx.matrix, ctx.image_cache))
    again = check_items(root, matrix, workers=1, keep_items=False)
    assert len(made) > len(set(made))
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in report.findings]
