"""Stable site URLs of items: `/{column}/{yyyy}/{mm}/{slug}.html`. Posts that link to the page and the site
builder both use these, so a link posted today still works after a rebuild."""

from __future__ import annotations

from publisher.content.matrix import Matrix
from publisher.content.model import ContentItem

FALLBACK_COLUMN = "news"


def item_column(item: ContentItem, matrix: Matrix) -> str:
    return item.meta.column or matrix.default_column or (matrix.columns[0].id if matrix.columns else FALLBACK_COLUMN)


def article_path(item: ContentItem, matrix: Matrix) -> str:
    when = item.meta.publish_at.astimezone(matrix.tz)
    return f"/{item_column(item, matrix)}/{when:%Y}/{when:%m}/{item.slug}.html"


def article_url(item: ContentItem, matrix: Matrix) -> str:
    return matrix.site.base_url + article_path(item, matrix)
