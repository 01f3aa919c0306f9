"""U.S. Department of Homeland Security press releases (www.dhs.gov).

Listing ``/news-releases/press-releases?page=N``: rows ``ul.usa-collection
li.usa-collection__item`` with an ISO ``time[datetime]`` (the visible "Sep 20" has no year); the
``/all-news-updates`` view is read too. The live listing reaches back to 2025-01-20 only: a
backfill walks on into the archive of press releases,
``/archive/news?field_news_type_target_id=436&page=N``, rows ``.view-content div.views-row`` with
an ``h3`` link to ``/archive/news/YYYY/MM/DD/<slug>`` and a ``time[datetime]`` (else the date in
the URL). Regular crawls never enter the archive.

Release pages, live and archived alike: title in ``h1``, date in ``.news-release-date-value``
after a "Release Date:" label (else the label's neighbour, else the ``/YYYY/MM/DD/`` in the URL),
body in ``article .field--name-body``. Older bodies open with a "FOR IMMEDIATE RELEASE" contact
block and end with "###": neither is part of the release.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from parsel import Selector, SelectorList
from scrapy.http import Response

from spiders.base import END_OF_BODY, NewsroomSpider
from spiders.dates import date_from_url, parse_date
from spiders.items import ListingEntry, ReleaseFields
from spiders.text import element_text, squash

# Lines of the contact block that follows "FOR IMMEDIATE RELEASE" at the top of older bodies.
_CONTACT_LINE = re.compile(
    r"office of|press (office|secretary)|contact|media inquir|\d{3}\W{1,2}\d{3}-\d{4}|@",
    re.IGNORECASE,
)
_END_MARKER = re.compile(r"^(#\s*){3}$|^-\s*30\s*-$")
_SITE_SUFFIX = re.compile(r"\s*\|\s*Homeland Security\s*$")
_LABEL_XPATH = "//body//text()[starts-with(normalize-space(), 'Release Date')]/.."
# The listing views: their rows and the release link in a row (the first that has rows is read).
LISTING_ROWS = (
    ("ul.usa-collection li.usa-collection__item", ".usa-collection__heading a"),
    ("div.news-updates.views-row", "h3.news-updates-title a"),  # /all-news-updates
    (".view-content div.views-row", "h3 a"),  # /archive/news
)
# Parts of an ``article`` that are not the release (used when the body field is missing).
BODY_DROP = (
    "h1",
    "nav",
    "aside",
    ".news-release-date",
    ".field--name-field-news-topics",
    ".field--name-field-keywords",
    ".dhs-share",
)


class DhsSpider(NewsroomSpider):
    name = "dhs"
    agency = "U.S. Department of Homeland Security"
    hosts = ("www.dhs.gov", "dhs.gov")
    default_start_urls = ("https://www.dhs.gov/news-releases/press-releases",)
    archive_urls = ("https://www.dhs.gov/archive/news?field_news_type_target_id=436",)
    listing_end = (END_OF_BODY, "footer.usa-footer", "nav.usa-pagination")
    release_end = (END_OF_BODY, "footer.usa-footer")

    def listing_entries(self, response: Response) -> Iterator[ListingEntry]:
        for selector, link in LISTING_ROWS:
            rows = response.css(selector)
            for row in rows:
                anchor = row.css(link) or row.css("a[href*='/news/']")
                href = anchor.attrib.get("href") if anchor else None
                if href:
                    published = parse_date(row.css("time::attr(datetime)").get())
                    title = squash(anchor[0].xpath("string()").get()) or None
                    yield ListingEntry(href, published or date_from_url(href), title)
            if rows:
                return

    def next_page(self, response: Response) -> str | None:
        href: str | None = response.css(
            "nav.usa-pagination a.usa-pagination__next-page::attr(href)"
        ).get()
        return href

    def release_fields(self, response: Response) -> ReleaseFields:
        published, source = release_date(response)
        return ReleaseFields(release_title(response), published, release_body(response), source)


def release_title(response: Response) -> str:
    heading = response.css("main h1") or response.css("h1")
    title = squash(heading[0].xpath("string()").get()) if heading else ""
    if not title:
        og_title = response.css('meta[property="og:title"]::attr(content)').get()
        title = squash(_SITE_SUFFIX.sub("", og_title or ""))
    return title


def release_date(response: Response) -> tuple[dt.date | None, str]:
    """The release date and the name of what gave it."""
    value = response.css(".news-release-date-value")
    found = parse_date(value.css("time::attr(datetime)").get())
    if found:
        return found, "time@datetime"
    found = parse_date(squash(value.xpath("string()").get()))
    if found:
        return found, "text .news-release-date-value"
    for label in response.xpath(_LABEL_XPATH)[:1]:  # the label's element, else label + value
        for text in (label.xpath("string()").get(), label.xpath("string(..)").get()):
            found = parse_date(squash(text)) if len(squash(text)) <= 60 else None
            if found:
                return found, "text after 'Release Date:'"
    found = date_from_url(response.url)
    return found, "url" if found else ""


def release_body(response: Response) -> str:
    # not a bare .field--name-body: the sidebar's "Get Updates" block has one too
    node: SelectorList[Selector] = (
        response.css("article .field--name-body")
        or response.css("article")
        or response.css("main .region--content .field--name-body")
    )
    if not node:
        return ""
    paragraphs = element_text(node[0], drop=BODY_DROP).split("\n\n")
    if paragraphs and paragraphs[0].upper().startswith("FOR IMMEDIATE RELEASE"):
        paragraphs.pop(0)
        while paragraphs and len(paragraphs[0]) <= 80 and _CONTACT_LINE.search(paragraphs[0]):
            paragraphs.pop(0)
    while paragraphs and _END_MARKER.match(paragraphs[-1]):
        paragraphs.pop()
    return "\n\n".join(paragraphs)
