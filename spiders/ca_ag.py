"""California Attorney General: ``oag.ca.gov/media/news``.

A Drupal 7 site. The listing is ``/media/news?page=N`` (0-based) with rows in
``.view-content .views-row`` inside the main block (the sidebar carries other views with the same
row markup); each row's ``span[property="dc:date"]@content`` is an ISO timestamp at midnight
Pacific. The pager is ``ul.pager li.pager-next a``. Release pages put the title in
``h1.page-header`` (also ``og:title``), the date in ``.field-name-field-release-date`` (visible text
with a weekday, ISO in ``content``), the contact line in ``.field-name-field-contact`` and the body
in ``.field-name-body .field-item``, whose paragraphs are often split by ``<br>`` and which ends
before ``.field-name-end-of-release`` ("# # #"). ``article:modified_time`` changes on every
re-render, so it is never read. Spanish translations are releases of their own; a repeated title
gets a ``-0`` slug.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from scrapy.http import Response

from spiders.base import END_OF_BODY, NewsroomSpider
from spiders.dates import parse_date
from spiders.items import ListingEntry, ReleaseFields
from spiders.text import element_text, squash

MAIN = "#block-system-main"
ROWS = ".view-content .views-row"
BODY_SELECTORS = (
    f"{MAIN} .field-name-body .field-item",
    ".field-name-body .field-item",
    "article.node",  # the body field renamed by a theme update: the node minus its other fields
)
BODY_DROP = (
    ".field-name-field-release-date",
    ".field-name-field-contact",
    ".field-name-end-of-release",
    ".social-share",
    ".rdf-meta",
)
END_MARKERS = frozenset({"# # #", "###"})
# (CSS, date_source), most trusted first.
DATE_SOURCES = (
    ('.field-name-field-release-date span[property="dc:date"]::attr(content)', "dc:date@content"),
    (".field-name-field-release-date ::text", "text .field-name-field-release-date"),
    ('meta[property="article:published_time"]::attr(content)', "meta article:published_time"),
)


def cut_end_marker(body: str) -> str:
    """Drop a "# # #" paragraph typed into the body, and whatever follows it."""
    paragraphs = body.split("\n\n")
    for index, paragraph in enumerate(paragraphs):
        if paragraph.strip() in END_MARKERS:
            return "\n\n".join(paragraphs[:index])
    return body


class CaAgSpider(NewsroomSpider):
    name = "ca_ag"
    agency = "California Attorney General"
    hosts = ("oag.ca.gov",)
    default_start_urls = ("https://oag.ca.gov/media/news",)
    listing_end = (END_OF_BODY, "footer.footer", "ul.pager")
    release_end = (END_OF_BODY, "footer.footer", ".field-name-end-of-release")

    def listing_entries(self, response: Response) -> Iterator[ListingEntry]:
        rows = response.css(f"{MAIN} {ROWS}") or response.css(ROWS)
        for row in rows:
            href = row.css(".views-field-title a::attr(href)").get()
            if not href or not href.strip():
                continue
            published = parse_date(row.css('span[property="dc:date"]::attr(content)').get())
            if published is None:
                text = row.css(".views-field-field-release-date ::text").getall()
                published = parse_date(squash(" ".join(text)))
            title = squash(" ".join(row.css(".views-field-title a ::text").getall()))
            yield ListingEntry(href.strip(), published, title or None)

    def next_page(self, response: Response) -> str | None:
        href = response.css("ul.pager li.pager-next a::attr(href)").get()
        return href.strip() if href and href.strip() else None

    def release_fields(self, response: Response) -> ReleaseFields:
        title = squash(" ".join(response.css("h1.page-header ::text").getall()))
        if not title:
            title = squash(response.css('meta[property="og:title"]::attr(content)').get())
        published, source = self._published(response)
        body = ""
        for css in BODY_SELECTORS:
            node = response.css(css)
            if node:
                body = cut_end_marker(element_text(node[0], drop=BODY_DROP))
                break
        return ReleaseFields(title, published, body, source)

    @staticmethod
    def _published(response: Response) -> tuple[dt.date | None, str]:
        for css, source in DATE_SOURCES:
            published = parse_date(squash(" ".join(response.css(css).getall())))
            if published is not None:
                return published, source
        return None, ""
