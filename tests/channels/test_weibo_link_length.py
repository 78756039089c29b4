"""Weibo length with long links: what the check passes, the strict sandbox (links counted by their
own characters, the stricter reading of share.json) accepts — on a corpus of long posts with long
links, at the boundary; the `url_weight` account option changes the count; the sample content
still passes and is accepted."""

from __future__ import annotations

import random
import uuid

import pytest
import requests
from pydantic import SecretStr
from render_fixtures import CONTENT_ROOT, all_items, make_root

from channels.base import Rendition
from channels.errors import Rejected
from channels.sandbox_server import start_sandbox
from channels.weibo.config import WeiboConfig
from channels.weibo.length import weibo_length
from channels.weibo.publishing import WeiboPublisher
from channels.weibo.sandbox import WeiboSandboxConfig
from publisher.content.targets import targets_for
from publisher.render.renditions import render_and_check
from publisher.runtime.redis_state import MemoryState

LIMIT = 140
FRONT = "title: 长链接微博\nauthor: 测试\ndepartment: 测试处\npublish_at: 2026-11-20 09:00"
HANZI = "市数据局召开会议研究部署公共数据开放工作推进平台建设完善制度保障安全有序流通共享应用服务群众企业"
LATIN = "abcdefghijklmnopqrstuvwxyz0123456789"
FIXED = '[[accounts]]\nid = "wb-fixed"\nname = "已核实短链计数的微博"\nchannel = "weibo"\ndefault = false\n' \
        '[accounts.options]\nurl_weight = 20\n'


@pytest.fixture(scope="module")
def strict_sandbox():
    """A sandbox of its own: strict link counting, the fixture site's domain registered as safe."""
    config = WeiboSandboxConfig(strict_links=True, safe_domains=["example.gov.cn", "127.0.0.1"])
    handle = start_sandbox(weibo_config=config)
    yield handle
    handle.stop()


def share(sandbox, text: str) -> str:
    """Post `text` through the adapter as a fresh sandbox user: "ok" or the refusal's code."""
    config = WeiboConfig(base_url=sandbox.weibo_base_url)
    token = SecretStr(f"sandbox-token-{uuid.uuid4().hex[:12]}")  # own budget, no rate limits
    publisher = WeiboPublisher("wb-main", config, MemoryState(), token=token)
    try:
        publisher.publish(Rendition("item", "weibo", "wb-main", {"text": text}), _Ctx())
    except Rejected as exc:
        return str(exc.code)
    return "ok"


class _Ctx:
    publication_id, idempotency_key = 1, "k"

    def __init__(self):
        from channels.base import Receipt

        self.receipt, self.state = Receipt(), MemoryState()
        self.idempotency_key = uuid.uuid4().hex

    def record(self, phase, **data):
        self.receipt.phases[phase] = {**self.receipt.phases.get(phase, {}), **data}


def long_link(rng: random.Random) -> str:
    path = "/".join("".join(rng.choice(LATIN) for _ in range(rng.randint(6, 30))) for _ in range(rng.randint(2, 5)))
    return f"https://www.example.gov.cn/zwgk/{path}.html"


def corpus_text(rng: random.Random) -> str:
    """An editor's text: Chinese, some Latin, perhaps an emoji, one or two long links."""
    words = "".join(rng.choice(HANZI) for _ in range(rng.randint(20, 60)))
    extra = "".join(rng.choice(LATIN) for _ in range(rng.randint(0, 12)))
    emoji = rng.choice(["", "👍", "🎉"])
    links = " ".join(long_link(rng) for _ in range(rng.randint(1, 2)))
    return f"【{words[:8]}】{words[8:]}{extra}{emoji} 详见 {links} 。"


def render(root, account="wb-main"):
    from render_fixtures import load

    item, matrix = load(root, "2026/11/post")
    rendition, findings = render_and_check(item, matrix, matrix.account(account))
    return rendition, [f for f in findings if f.code == "weibo-too-long"]


def item_with(tmp_path, text: str):
    front = f"{FRONT}\ntargets:\n  weibo:\n    text: '{text}'\n"
    return make_root(tmp_path, "2026/11/post", front, "正文。\n", toml_extra=FIXED)


def at_length(tmp_path, rng: random.Random, target: int):
    """(root, rendition, too-long findings) of a post whose (conservative) length is exactly
    `target`: the editor's text padded with Chinese characters."""
    for attempt in range(20):  # a drawn text may already be longer than the target: draw again
        text = corpus_text(rng)
        rendition, _ = render(item_with(tmp_path / f"probe-{attempt}", text))
        missing = target - rendition.payload["length"]
        if missing >= 0:
            break
    else:
        raise AssertionError(f"no corpus text shorter than {target}")
    text = text.replace("详见", "".join(rng.choice(HANZI) for _ in range(missing)) + "详见", 1)
    root = item_with(tmp_path / "post", text)
    rendition, too_long = render(root)
    assert rendition.payload["length"] == target
    return root, rendition, too_long


def test_the_check_and_the_strict_sandbox_agree_on_long_posts_with_long_links(tmp_path, strict_sandbox):
    rng = random.Random(13)
    # At the boundary (139, 140, 141) and below it, several of each.
    targets = [139, 140, 141] * 8 + [rng.randint(90, 138) for _ in range(8)]
    results, fixed_rule_refused = [], 0
    for n, target in enumerate(targets):
        root, rendition, too_long = at_length(tmp_path / str(n), rng, target)
        text = rendition.payload["text"]
        answer = share(strict_sandbox, text)
        results.append((target, bool(too_long), answer))
        # The check passes ⇒ the strict platform accepts; every link here is long (own
        # weight > 20), so the two counts are the same number and they agree both ways.
        assert (answer == "ok") == (not too_long), (text, target, answer)
        if answer == "20012" and weibo_length(text, url_weight=20) <= LIMIT:
            fixed_rule_refused += 1
    assert {(t, answer) for t, _, answer in results if t >= 140} == {(140, "ok"), (141, "20012")}
    assert sum(1 for _, too_long, _ in results if not too_long) == 24  # 139, 140 and the shorter ones
    # Control: the old fixed-20 count passed posts the strict platform refuses (the 5 of 5).
    assert fixed_rule_refused == 8


def test_short_links_count_at_least_twenty(tmp_path, strict_sandbox):
    short = "http://127.0.0.1/a"  # 9 by its own characters
    assert weibo_length(f"看{short}") == 21 and weibo_length(f"看{short}", url_weight=20) == 21
    assert weibo_length(f"看{short}", url_weight=5) == 6
    text = "【短链接】" + "市" * (LIMIT - 5 - 20) + short  # 140 by the check
    assert weibo_length(text) == LIMIT and share(strict_sandbox, text) == "ok"


def test_the_url_weight_option_selects_the_shortened_link_count(tmp_path, strict_sandbox):
    rng = random.Random(7)
    root, rendition, too_long = at_length(tmp_path, rng, 150)
    assert too_long and "链接按其本身字数计、至少 20 字" in too_long[0].message
    fixed, fixed_too_long = render(root, "wb-fixed")
    assert fixed.payload["text"] == rendition.payload["text"]
    # Links of 73 and 48 characters: 36.5 and 24 by their own, 20 each by the option.
    assert fixed.payload["length"] == 129 == weibo_length(fixed.payload["text"], 20)
    assert fixed_too_long == []
    # Such a post is refused where links count their own characters, accepted where they count 20
    # — which is why the option is for an office that has verified the count on its own account.
    text = fixed.payload["text"]
    assert share(strict_sandbox, text) == "20012"
    base = strict_sandbox.weibo_base_url
    requests.post(f"{base}/_admin/length_rule", json={"strict_links": False}, timeout=5).raise_for_status()
    try:
        assert share(strict_sandbox, text) == "ok"
    finally:
        requests.post(f"{base}/_admin/length_rule", json={"strict_links": True}, timeout=5).raise_for_status()


def test_the_sample_content_passes_and_the_strict_sandbox_accepts_it(strict_sandbox):
    items, matrix = all_items(CONTENT_ROOT)
    posted = 0
    for item in items:
        for account in targets_for(item, matrix):
            if account.channel != "weibo":
                continue
            rendition, findings = render_and_check(item, matrix, account)
            assert not [f for f in findings if f.code == "weibo-too-long"], item.id
            assert share(strict_sandbox, rendition.payload["text"]) == "ok", item.id
            posted += 1
    assert posted >= 10


def test_the_weight_of_a_text_is_the_sum_of_its_characters_weights():
    from channels.weibo.length import _raw_length, char_weight

    rng = random.Random(7)
    pool = [chr(c) for c in [*range(0x100), *range(0x4E00, 0x4E40), 0x3000, 0xFF01, 0xD800, 0xDFFF, 0xFEFF,
                             0x1F600, 0x1F680, 0x20000, 0x10FFFF]]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 80)))
        assert _raw_length(text) == sum(char_weight(c) for c in text), repr(text)
