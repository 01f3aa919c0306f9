"""U.S. Immigration and Customs Enforcement: the newsroom at www.ice.gov/newsroom.

Listing ``/newsroom?page=N`` (0-based): ``.views-row`` rows with ``.news-title a``, a plain-text
``.news-date`` ("August 7, 2026") that also carries the topic tag (``.news-tag``, after a ``|``)
and a ``.news-body`` summary. Release pages ``/news/releases/<slug>``: title in ``.nr-title h1``,
date in ``meta[property="article:published_time"]`` or else the first text of ``.nr-meta`` (which
also holds ``.locality``), body in ``.nr-body``.

The trap: every release page also has ``.field--name-body`` blocks (a standing mission blurb and
related-news teasers). They are never the release body, so there is deliberately no fallback to
them: a page without ``.nr-body`` is reported as a parse problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from spiders.base import END_OF_BODY, NewsroomSpider
from spiders.dates import parse_date
from spiders.items import ListingEntry, ReleaseFields
from spiders.text import element_text, squash

NEXT_PAGE = (
    "a.usa-pagination__next-page::attr(href)",  # USWDS pager, as on dhs.gov
    "li.pager__item--next a::attr(href)",  # stock Drupal pager
    "a[rel~='next']::attr(href)",
)
# Inside .nr-body: share buttons, screen-reader labels, any teaser or blurb a theme tucks in.
BODY_DROP = (
    ".nr-share",
    ".social-share",
    ".visually-hidden",
    ".field--name-body",
    ".related-news",
    "nav",
)


class IceSpider(NewsroomSpider):
    name = "ice"
    agency = "U.S. Immigration and Customs Enforcement"
    hosts = ("www.ice.gov", "ice.gov")
    default_start_urls = ("https://www.ice.gov/newsroom",)
    listing_end = (END_OF_BODY, "footer.usa-footer", "nav.usa-pagination")
    release_end = (END_OF_BODY, "footer.usa-footer")

    def listing_entries(self, response: Response) -> Iterator[ListingEntry]:
        for row in response.css(".views-row"):
            href = row.css(".news-title a::attr(href)").get()
            if href:  # sidebar views (Spotlight) have rows without a news title
                published = _first_date(row.css(".news-date::text").getall())
                title = squash(row.css(".news-title a").xpath("string()").get())
                yield ListingEntry(href, published, title or None)

    def next_page(self, response: Response) -> str | None:
        for css in NEXT_PAGE:
            href = response.css(css).get()
            if href:
                return str(href)
        return None

    def release_fields(self, response: Response) -> ReleaseFields:
        title = squash(response.css(".nr-title h1").xpath("string()").get()) or squash(
            response.css('meta[property="og:title"]::attr(content)').get()
        )
        published, date_source = _release_date(response)
        body_nodes = response.css(".nr-body")
        body = element_text(body_nodes[0], drop=BODY_DROP) if body_nodes else ""
        return ReleaseFields(title, published, body, date_source)


def _release_date(response: Response) -> tuple[dt.date | None, str]:
    meta = parse_date(response.css('meta[property="article:published_time"]::attr(content)').get())
    if meta is not None:
        return meta, "meta article:published_time"
    # direct text of .nr-meta only: the .locality span ("WASHINGTON") is not part of the date
    shown = _first_date(response.css(".nr-meta::text").getall())
    if shown is not None:
        return shown, "text .nr-meta"
    return None, ""


def _first_date(texts: list[Any]) -> dt.date | None:
    """The date in the first non-blank text node (later nodes hold tags or places)."""
    for text in texts:
        if str(text).strip():
            return parse_date(str(text))
    return None
