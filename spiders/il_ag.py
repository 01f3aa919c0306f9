"""Illinois Attorney General: one News Room page holding every release, grouped by year.

The listing has no pagination. A "Recent Press Releases" aside repeats the newest items on the
same page (the base class counts each URL once). Listing rows carry ``time@datetime`` in a
non-ISO local form ("2026-05-01 2:00 PM", US/Central) whose date prefix is all we keep; release
pages give the date only as text in ``.news-header`` ("September 29, 2025"). Titles are upper
case with the odd mixed-case fragment ("7th CIRCUIT", "U.S. v. ILLINOIS") and are kept as shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scrapy.http import Response

from spiders.base import END_OF_BODY, NewsroomSpider
from spiders.dates import parse_date
from spiders.items import ListingEntry, ReleaseFields
from spiders.text import element_text, squash

RELEASE_PATH = "/news/story/"
# "September 29, 2025", "Sept. 9, 2025", "May 01, 2026"
_TEXT_DATE = re.compile(r"\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}\b")
# inside .news-body but not part of the release
BODY_DROP = (".news-share", ".news-return", ".visually-hidden", ".sr-only")


class IlAgSpider(NewsroomSpider):
    name = "il_ag"
    agency = "Illinois Attorney General"
    hosts = ("illinoisattorneygeneral.gov", "www.illinoisattorneygeneral.gov")
    default_start_urls = ("https://illinoisattorneygeneral.gov/News-Room/",)
    listing_end = (END_OF_BODY, "footer.site-footer")
    release_end = (END_OF_BODY, "footer.site-footer")

    def listing_entries(self, response: Response) -> Iterator[ListingEntry]:
        for row in response.css("a.news-item"):
            href = row.attrib.get("href", "")
            if RELEASE_PATH not in href:
                continue  # promo tiles share the row markup
            published = parse_date(row.css("time::attr(datetime)").get()) or parse_date(
                squash(" ".join(row.css(".news-item-date ::text, time ::text").getall()))
            )
            title = squash(" ".join(row.css(".news-item-title ::text").getall()))
            yield ListingEntry(href, published, title or None)

    def next_page(self, response: Response) -> str | None:
        return None  # the whole archive is one page

    def release_fields(self, response: Response) -> ReleaseFields:
        header = response.css(".news-header")
        title_node = header.css("h2")
        title = squash(element_text(title_node[0])) if title_node else ""
        if not title:
            title = squash(response.css('meta[property="og:title"]::attr(content)').get())
        published, source = None, ""
        header_text = header.xpath(".//text()[not(ancestor::h2)]").getall()
        for match in _TEXT_DATE.finditer(squash(" ".join(header_text))):
            published = parse_date(match.group())
            if published is not None:
                source = "text .news-header"
                break
        body_node = response.css(".news-body")
        body = element_text(body_node[0], drop=BODY_DROP) if body_node else ""
        return ReleaseFields(title, published, body, source)
