"""What the website already shows (`publisher adopt`): the deployed pages.

Deployed to a folder (the output folder itself, or the `folder` deploy's `target`), a page is
there when its file is. Deployed elsewhere (rsync, a command), the page's public address is
asked over HTTP; a site that cannot be reached cannot tell (None).
"""

from __future__ import annotations

from pathlib import Path

import requests

from channels.base import Existing, Rendition
from channels.site.config import SiteConfig


def _phases(rendition: Rendition) -> dict:
    return {"written": {"path": rendition.payload["path"], "item_id": rendition.item_id, "adopted": True}}


def find_existing(config: SiteConfig, out_dir: Path, renditions: list[Rendition]) -> dict[str, Existing] | None:
    pages = [r for r in renditions if r.payload.get("path")]
    if config.deploy == "folder":
        folder = Path(config.target) if config.target else out_dir
        return {
            r.item_id: Existing(r.item_id, r.payload.get("url"), _phases(r))
            for r in pages if (folder / str(r.payload["path"]).lstrip("/")).is_file()
        }
    found = {}
    with requests.Session() as session:
        for rendition in pages:
            try:
                answer = session.get(str(rendition.payload["url"]), timeout=(5, 15), allow_redirects=True)
            except requests.RequestException:
                return None  # the site cannot be reached from here: cannot tell
            if answer.status_code == 200:
                found[rendition.item_id] = Existing(rendition.item_id, rendition.payload.get("url"), _phases(rendition))
    return found
