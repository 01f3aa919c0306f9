"""New York Attorney General: ``ag.ny.gov/press-releases``.

A Drupal site. The listing is ``/press-releases?page=N`` (0-based) with rows in
``.view-content .views-row``; each row's ``time@datetime`` carries a placeholder noon time, so only
its date counts. Release pages put the title in ``article.node h1 span`` (curly apostrophes kept as
the reader sees them), the date in ``.node-content h3 time`` and the body in the rest of
``.node-content``, which opens with a "NEW YORK" dateline. Some pages put a "Related Press
Releases" block and a "Share" toolbar inside or beside ``.node-content``; they are not the body.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from scrapy.http import Response

from spiders.base import END_OF_BODY, NewsroomSpider
from spiders.dates import parse_date
from spiders.items import ListingEntry, ReleaseFields
from spiders.text import element_text, squash

BODY_SELECTORS = ("article.node .node-content", ".node-content")
BODY_DROP = (
    "h3:has(time)",  # the date line
    ".related-press-releases",
    ".block-related-press-releases",
    ".share-toolbar",
    ".social-share",
    "nav",
    "aside",
)


def _page_number(href: str) -> int | None:
    """The 0-based ``page`` parameter of a listing href ("?page=2"); 0 when there is none."""
    query = parse_qs(urlsplit(href).query)
    values = query.get("page")
    if not values:
        return 0
    try:
        return int(values[0])
    except ValueError:
        return None


class NyAgSpider(NewsroomSpider):
    name = "ny_ag"
    agency = "New York Attorney General"
    hosts = ("ag.ny.gov", "www.ag.ny.gov")
    default_start_urls = ("https://ag.ny.gov/press-releases",)
    listing_end = (END_OF_BODY, "footer.site-footer", "nav.pager")
    release_end = (END_OF_BODY, "footer.site-footer")

    def listing_entries(self, response: Response) -> Iterator[ListingEntry]:
        for row in response.css(".view-content .views-row"):
            href = row.css(".views-field-title a::attr(href)").get()
            if not href or not href.strip():
                continue
            published = parse_date(row.css("time::attr(datetime)").get())
            if published is None:
                published = parse_date(squash(" ".join(row.css("time ::text").getall())))
            title = squash(" ".join(row.css(".views-field-title a ::text").getall()))
            yield ListingEntry(href.strip(), published, title or None)

    def next_page(self, response: Response) -> str | None:
        """The link to the following page: the "next" item, else the numbered link after this one.

        Drupal's full pager also lists first/previous/last and numbered pages, so a plain "any
        pager link" would walk backwards or jump to the end.
        """
        pager = response.css("nav.pager ul.pager__items")
        href = pager.css("li.pager__item--next a::attr(href), a[rel~='next']::attr(href)").get()
        if href:
            return href.strip()
        current = _page_number(response.url)
        if current is None:
            return None
        for link in pager.css("li.pager__item a::attr(href)").getall():
            if _page_number(link.strip()) == current + 1:
                return link.strip()
        return None

    def release_fields(self, response: Response) -> ReleaseFields:
        title = squash(" ".join(response.css("article.node h1 span ::text").getall()))
        if not title:
            title = squash(response.css('meta[property="og:title"]::attr(content)').get())
        if not title:
            title = squash(" ".join(response.css("article.node h1 ::text").getall()))
        published, source = self._published(response)
        body = ""
        for css in BODY_SELECTORS:
            node = response.css(css)
            if node:
                body = element_text(node[0], drop=BODY_DROP)
                break
        return ReleaseFields(title, published, body, source)

    @staticmethod
    def _published(response: Response) -> tuple[dt.date | None, str]:
        time = response.css(".node-content h3 time")
        published = parse_date(time.attrib.get("datetime")) if time else None
        if published is not None:
            return published, "time@datetime"
        published = parse_date(squash(" ".join(time[:1].css("::text").getall())))
        if published is not None:
            return published, "text .node-content h3 time"
        return None, ""
