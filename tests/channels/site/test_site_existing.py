"""`SiteChannel.find_existing` (publisher adopt): the pages the deployed site already shows."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from site_fixtures import FIXTURE_ROOT

from channels.base import RenderContext
from channels.site import SiteChannel
from publisher.content.loader import load_item
from publisher.content.matrix import Account, load_matrix
from publisher.render.images import ImageCache

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from channel_fixtures import LedgerLikeContext  # noqa: E402

CACHE = ImageCache(Path(tempfile.mkdtemp(prefix="site-existing-images-")))


def site(**options) -> SiteChannel:
    account = Account(id="portal", name="网站", channel="site", options=options)
    return SiteChannel(account, RenderContext(matrix=load_matrix(FIXTURE_ROOT), image_cache=CACHE))


def rendition(channel: SiteChannel, item_id: str):
    item, findings = load_item(FIXTURE_ROOT / "items" / item_id / "index.md", FIXTURE_ROOT, load_matrix(FIXTURE_ROOT))
    assert item is not None, findings
    return channel.render(item)


def test_the_deployed_folder_says_which_pages_are_already_on_the_site(tmp_path):
    deployed = tmp_path / "www"
    publisher = site(out_dir=str(tmp_path / "site"), deploy="folder", target=str(deployed))
    publisher.publish(rendition(publisher, "2026/11/city-meeting"), LedgerLikeContext())
    assert (deployed / "news/2026/11/city-meeting.html").is_file()

    # A new state folder (its own empty out_dir), the same deployed site: adopt looks at the site.
    fresh = site(out_dir=str(tmp_path / "new-state" / "site"), deploy="folder", target=str(deployed))
    wanted = [rendition(fresh, "2026/11/city-meeting"), rendition(fresh, "2026/11/open-day")]
    found = fresh.find_existing(wanted, state=None)
    assert set(found) == {"2026/11/city-meeting"}
    page = found["2026/11/city-meeting"]
    assert page.url == "https://www.example.gov.cn/news/2026/11/city-meeting.html"
    assert page.phases["written"]["path"] == "/news/2026/11/city-meeting.html"

    # Served in place (no target): the output folder is the site.
    in_place = site(out_dir=str(tmp_path / "site"))
    assert set(in_place.find_existing(wanted, state=None)) == {"2026/11/city-meeting"}
