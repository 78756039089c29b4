"""Two WeChat accounts that differ only in how they are reached (appid, API address, timeouts)
get one render of an item within its verdict (publisher.render.item_renders): the second
account's rendition and findings are exactly those of a render of its own, each rendition owns
its payload, and accounts that differ in anything rendered — or renders outside one item's
scope — are never shared."""

from __future__ import annotations

import pytest
from render_fixtures import FIXTURE_ROOT, load

import channels.wechat as wechat_channel
from publisher.checks.context import CheckContext
from publisher.checks.verdict import judge
from publisher.content.matrix import Matrix
from publisher.render import item_renders
from publisher.render.images import ImageCache
from publisher.render.renditions import channel_for, render_and_check_with

FULL = "2026/11/full-article"
BAD_IMAGES = "2026/11/bad-images"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The account of every WeChat article actually rendered."""
    made: list[str] = []
    real = wechat_channel.render_article

    def counted(item, config, context):
        made.append(config.appid)
        return real(item, config, context)

    monkeypatch.setattr(wechat_channel, "render_article", counted)
    return made


def _matrix_with_twin(matrix: Matrix, *, default: bool = False, **options) -> Matrix:
    """The fixture's matrix plus `wx-twin`: wx-main's options with `options` changed."""
    main = matrix.account("wx-main")
    twin = main.model_copy(update={"id": "wx-twin", "default": default, "options": {**main.options, **options}})
    return matrix.model_copy(update={"accounts": [*matrix.accounts, twin]})


def _alone(item, matrix: Matrix, account_id: str, cache: ImageCache):
    return render_and_check_with(channel_for(matrix.account(account_id), matrix, cache), item)


@pytest.mark.parametrize("item_id", [FULL, BAD_IMAGES])
def test_an_account_reached_differently_shares_the_render_and_gets_its_own_result(item_id, renders, tmp_path):
    item, fixture = load(FIXTURE_ROOT, item_id)
    matrix = _matrix_with_twin(fixture, appid="wx-other", base_url="http://127.0.0.1:9/wechat", timeout_seconds=3)
    cache = ImageCache(tmp_path / "cache")
    alone = _alone(item, matrix, "wx-twin", cache)
    renders.clear()
    with item_renders.one_item():
        first = _alone(item, matrix, "wx-main", cache)
        second = _alone(item, matrix, "wx-twin", cache)
    assert renders == ["wx-test"]  # one render for both accounts
    (rendition, findings), (own, own_findings) = second, alone
    assert rendition.account_id == "wx-twin" and first[0].account_id == "wx-main"
    assert rendition == own and rendition.content_hash == own.content_hash
    assert findings == own_findings
    if item_id == BAD_IMAGES:
        assert findings  # the render's notes reach the second account's check
    assert rendition.payload is not first[0].payload


def test_accounts_that_render_differently_or_renders_outside_a_scope_are_not_shared(renders, tmp_path):
    item, fixture = load(FIXTURE_ROOT, FULL)
    cache = ImageCache(tmp_path / "cache")
    themed = _matrix_with_twin(fixture, appid="wx-other", theme="gov-red")
    with item_renders.one_item():
        _alone(item, themed, "wx-main", cache)
        red = _alone(item, themed, "wx-twin", cache)[0]
    assert renders == ["wx-test", "wx-other"]
    assert red == _alone(item, themed, "wx-twin", cache)[0]

    twin = _matrix_with_twin(fixture, appid="wx-other")
    renders.clear()
    _alone(item, twin, "wx-main", cache)
    _alone(item, twin, "wx-twin", cache)
    assert renders == ["wx-test", "wx-other"]  # no scope: each render of its own


def test_a_verdict_renders_once_for_two_accounts_reached_differently(renders, tmp_path):
    item, fixture = load(FIXTURE_ROOT, BAD_IMAGES)
    matrix = _matrix_with_twin(fixture, appid="wx-other", default=True)  # a target of every item
    ctx = CheckContext(matrix, image_cache=ImageCache(tmp_path / "cache"))
    ctx.channels = {}
    verdict = judge(item, ctx)
    wechat_targets = [t for t in verdict.targets if t.account.channel == "wechat"]
    assert [t.account.id for t in wechat_targets] == ["wx-main", "wx-twin"]
    assert renders == ["wx-test"]
    assert wechat_targets[0].findings == wechat_targets[1].findings != []
