"""Within one item's renders (publisher.render.item_renders) a picture reference is located once
for all the item's channels, with the same answer — a path, or the same problem — each time;
outside that scope every call looks at the files as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.render import images, item_renders
from publisher.render.images import ImageProblem, locate_local


@pytest.fixture
def lookups(monkeypatch) -> list[tuple]:
    made: list[tuple] = []
    real = images._locate

    def counted(folder, ref, url_encoded):
        made.append((ref, url_encoded))
        return real(folder, ref, url_encoded)

    monkeypatch.setattr(images, "_locate", counted)
    return made


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "item"
    folder.mkdir()
    (folder / "照片 1.jpg").write_bytes(b"not read")
    return folder


def test_one_lookup_per_reference_within_an_item(tmp_path, lookups):
    folder = _folder(tmp_path)
    with item_renders.one_item():
        first = locate_local(folder, "照片%201.jpg", url_encoded=True)
        again = locate_local(folder, "照片%201.jpg", url_encoded=True)
        plain = locate_local(folder, "照片 1.jpg")
        problems = []
        for _ in range(2):
            with pytest.raises(ImageProblem) as caught:
                locate_local(folder, "../outside.jpg")
            problems.append((caught.value.code, caught.value.message))
        (folder / "照片 1.jpg").unlink()  # one moment: what was found stays found
        assert locate_local(folder, "照片 1.jpg") == plain
    assert first == again == plain == (folder / "照片 1.jpg").resolve()
    assert problems[0] == problems[1] and problems[0][0] == "image-path"
    assert lookups == [("照片%201.jpg", True), ("照片 1.jpg", False), ("../outside.jpg", False)]


def test_no_memory_outside_an_item(tmp_path, lookups):
    folder = _folder(tmp_path)
    assert locate_local(folder, "照片 1.jpg") == (folder / "照片 1.jpg").resolve()
    (folder / "照片 1.jpg").unlink()
    with pytest.raises(ImageProblem) as caught:
        locate_local(folder, "照片 1.jpg")
    assert caught.value.code == "image-missing"
    with item_renders.one_item():
        pass
    assert item_renders.located() is None
    assert len(lookups) == 2
