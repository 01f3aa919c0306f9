"""Dates and text helpers shared by every spider."""

from __future__ import annotations

import datetime as dt

import pytest
from parsel import Selector

from spiders.dates import date_from_url, parse_date
from spiders.text import element_text, squash


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-20", dt.date(2025, 9, 20)),
        ("2026-02-11T12:00:00Z", dt.date(2026, 2, 11)),
        ("2025-01-02T00:00:00-08:00", dt.date(2025, 1, 2)),
        ("2026-05-01 2:00 PM", dt.date(2026, 5, 1)),
        ("July 14, 2025", dt.date(2025, 7, 14)),
        ("Thursday, January 2, 2025", dt.date(2025, 1, 2)),
        ("May 01, 2026", dt.date(2026, 5, 1)),
        ("Release Date: August 7, 2026", dt.date(2026, 8, 7)),
        ("  September\n 29,   2025 ", dt.date(2025, 9, 29)),
        ("Sep 20", None),
        ("", None),
        (None, None),
        ("no date here", None),
        ("2025-02-30", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_date_from_url():
    assert date_from_url("https://www.dhs.gov/news/2025/09/20/slug") == dt.date(2025, 9, 20)
    assert date_from_url("https://www.ice.gov/news/releases/slug") is None


def test_element_text_keeps_paragraphs_and_breaks_and_drops_noise():
    sel = Selector(
        text="""<div class="body">
      <p>First   paragraph
         continues.</p>
      <p>Line one<br>Line two<br/>Line three</p>
      <div class="related"><p>Related: other news</p></div>
      <script>var x = 1;</script>
      <ul><li>Item <a href="#">one</a></li><li>Item two</li></ul>
    </div>"""
    ).css("div.body")[0]
    assert element_text(sel, drop=[".related"]) == (
        "First paragraph continues.\n\nLine one\n\nLine two\n\nLine three\n\nItem one\n\nItem two"
    )


def test_squash_collapses_whitespace():
    assert squash("  DHS \n Puts\u00a0States   on Notice ") == "DHS Puts States on Notice"
    assert element_text(None) == ""


def test_release_without_a_date_takes_the_listing_rows_date():
    from scrapy.http import HtmlResponse

    from spiders.base import NewsroomSpider
    from spiders.items import ReleaseFields, ReleasePage

    class Undated(NewsroomSpider):
        name = "undated"

        def release_fields(self, response):
            return ReleaseFields("Title", None, "Body text.", "")

    spider = Undated()
    request = spider.release_request("http://127.0.0.1/r", listed=dt.date(2025, 9, 10))
    response = HtmlResponse(
        url=request.url, body=b"<html><body>x</body></html>", request=request, encoding="utf-8"
    )
    [page] = list(spider.parse_release(response))
    assert isinstance(page, ReleasePage)
    assert (page.published, page.date_source) == (dt.date(2025, 9, 10), "listing row")


def test_a_listing_page_counts_its_rows_without_a_date():
    from scrapy.http import HtmlResponse

    from spiders.base import NewsroomSpider
    from spiders.items import ListingEntry, ListingPage

    class Listing(NewsroomSpider):
        name = "listing"

        def listing_entries(self, response):
            yield ListingEntry("/a", dt.date(2025, 9, 10))
            yield ListingEntry("/b", None)
            yield ListingEntry("/c", None)
            yield ListingEntry("/b", None)  # the same row twice counts once

        def next_page(self, response):
            return None

    spider = Listing()
    request = spider.listing_request("http://127.0.0.1/news", 1)
    response = HtmlResponse(
        url=request.url, body=b"<html><body>x</body></html>", request=request, encoding="utf-8"
    )
    [page] = [i for i in spider.parse_listing(response) if isinstance(i, ListingPage)]
    assert (page.releases, page.undated) == (3, 2)
