"""Spiders built from a newsroom's definition in the config: selectors, feeds, the extractor."""

from __future__ import annotations

import datetime as dt

from scrapy.http import HtmlResponse, Request, XmlResponse

from spiders.configured import configured_spider, extract_main_text
from spiders.definition import ListingSelectors, ReleaseSelectors, SourceDefinition
from spiders.items import CrawlProblem, ListingPage, ReleaseNotModified, ReleasePage
from tests.newsrooms import DATA

ROOT = "http://127.0.0.1:8000"
LISTING = """<html><body><div class="list">
<div class="row"><h3><a href="/news/one">First  release</a></h3>
  <span class="date">September 19, 2025</span></div>
<div class="row"><h3><a href="https://news.example.gov/news/two">Second</a></h3>
  <time datetime="2025-09-18T12:00:00Z">Yesterday</time></div>
<div class="row"><h3>No link here</h3></div>
<div class="row"><h3><a href="/news/three">Third</a></h3><span class="date">soon</span></div>
</div><ul class="pager"><li class="next"><a href="/news?page=1">next</a></li></ul>
</body></html>"""
PARAGRAPH = (
    "The attorney general today announced a settlement with a debt collector that called "
    "residents at night, threatened them with arrest and misstated what they owed, and the "
    "company will repay every resident who paid a debt it could not prove."
)
RELEASE = f"""<html><head><meta property="og:title" content="From the meta">
<meta property="article:published_time" content="2025-09-17T09:00:00-04:00"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About</a></nav>
<main><h1 class="title">A settlement  with a collector</h1>
<div class="body"><p>OLYMPIA — {PARAGRAPH}</p><p>{PARAGRAPH}</p>
<div class="share">Share this</div></div></main>
<footer><a href="/privacy">Privacy</a> <a href="/contact">Contact us</a></footer>
</body></html>"""


def definition(**release: object) -> SourceDefinition:
    return SourceDefinition(
        key="example",
        kind="html",
        name="Example Attorney General",
        start_urls=("https://news.example.gov/news",),
        listing=ListingSelectors(
            row="div.list .row",
            link="h3 a",
            title="h3",
            date=".//*[self::span or self::time]",
            date_format="%B %d, %Y",
            next_page="ul.pager li.next a",
        ),
        release=ReleaseSelectors(**release),  # type: ignore[arg-type]
    )


def html(url: str, body: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), status=status, request=Request(url))


def test_listing_rows_by_css_and_xpath_with_attributes_preferred():
    spider = configured_spider(definition())()
    response = html(f"{ROOT}/news", LISTING)
    rows = list(spider.rows(response))
    assert [r.url for r in rows] == [
        "/news/one",
        "https://news.example.gov/news/two",
        "/news/three",
    ]
    assert rows[0].title.value == "First release" and rows[0].title.by == "h3 text"
    assert rows[0].published == dt.date(2025, 9, 19) and rows[0].date.by.endswith(" text")
    assert rows[1].published == dt.date(2025, 9, 18) and rows[1].date.by.endswith("@datetime")
    assert rows[2].published is None  # "soon" does not fit the format
    assert spider.next_page(response) == "/news?page=1"


def test_a_crawl_of_the_listing_follows_links_on_the_serving_host():
    spider = configured_spider(definition())()
    items = list(spider.parse_listing(html(f"{ROOT}/news", LISTING)))
    requests = [i.url for i in items if isinstance(i, Request)]
    assert f"{ROOT}/news/two" in requests  # the site's own host, followed on the mirror
    assert f"{ROOT}/news?page=1" in requests
    [page] = [i for i in items if isinstance(i, ListingPage)]
    assert page.releases == 3 and page.complete


def test_a_broken_row_selector_is_an_empty_listing_not_nothing_new():
    spider = configured_spider(definition())()
    items = list(spider.parse_listing(html(f"{ROOT}/news", "<html><body></body></html>")))
    assert [i.problem.value for i in items if isinstance(i, CrawlProblem)] == ["empty-listing"]


def test_release_fields_say_which_selector_found_them():
    spider = configured_spider(definition(title="h1.title", body="div.body", drop=(".share",)))()
    fields = spider.release_fields(html(f"{ROOT}/news/one", RELEASE))
    assert (
        fields.title == "A settlement with a collector" and fields.title_source == "h1.title text"
    )
    assert fields.published == dt.date(2025, 9, 17)
    assert fields.date_source.startswith('meta[property="article:published_time"]')
    assert fields.body.startswith("OLYMPIA — The attorney general") and "Share" not in fields.body
    assert fields.body_source == "div.body"


def test_defaults_and_the_extractor_when_no_body_selector_fits():
    spider = configured_spider(definition(body="div.gone"))()
    fields = spider.release_fields(html(f"{ROOT}/news/one", RELEASE))
    assert fields.title == "A settlement with a collector" and fields.title_source == "h1 text"
    assert PARAGRAPH in fields.body and "Privacy" not in fields.body
    assert fields.body_source == "auto (extractor; 'div.gone' found nothing)"
    auto = configured_spider(definition(body="auto", date=".nothing"))()
    fields = auto.release_fields(html(f"{ROOT}/news/one", RELEASE))
    assert fields.body_source == "auto (extractor)"
    assert fields.published == dt.date(2025, 9, 17)  # the date selector found nothing: the meta
    assert fields.date_source.startswith('meta[property="article:published_time"]')


def test_the_extractor_finds_nothing_in_an_empty_page():
    assert extract_main_text("<html><body></body></html>") == ""


FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>https://news.example.gov/</link>
<description>Press releases</description>
<item><title>Justice Department sues over detainers &amp; records</title>
<link>https://news.example.gov/pr/sues</link>
<description>&lt;p&gt;WASHINGTON &#8212; The department sued.&lt;/p&gt;&lt;p&gt;More.&lt;/p&gt;</description>
<pubDate>Thu, 18 Sep 2025 22:03:00 -0400</pubDate></item>
<item><title>No date</title><link>https://news.example.gov/pr/undated</link>
<description>Text</description></item>
</channel></rss>"""


def feed_definition(**release: object) -> SourceDefinition:
    return SourceDefinition(
        key="feed",
        kind="rss",
        name="Example Department",
        start_urls=("https://news.example.gov/rss",),
        release=ReleaseSelectors(**release),  # type: ignore[arg-type]
    )


def xml(url: str, body: bytes, status: int = 200) -> XmlResponse:
    return XmlResponse(url=url, body=body, status=status, request=Request(url))


def test_feed_items_are_the_releases_when_no_page_is_fetched():
    spider = configured_spider(feed_definition())(known={f"{ROOT}/pr/old": None})
    assert spider.known == {}  # nothing to re-fetch: a feed-only source has no pages
    items = list(spider.parse_listing(xml(f"{ROOT}/rss", FEED)))
    pages = [i for i in items if isinstance(i, ReleasePage)]
    assert [p.url for p in pages] == [f"{ROOT}/pr/sues", f"{ROOT}/pr/undated"]
    first = pages[0]
    assert first.title == "Justice Department sues over detainers & records"
    assert first.published == dt.date(2025, 9, 18)  # the date as written, not in UTC
    assert first.body == "WASHINGTON — The department sued.\n\nMore."
    assert first.date_source == "feed pubDate" and b"<title>" in first.html
    assert pages[1].published is None
    assert not [i for i in items if isinstance(i, Request)]


def test_feed_pages_are_fetched_when_a_body_is_configured():
    spider = configured_spider(feed_definition(body="div.body"))()
    items = list(spider.parse_listing(xml(f"{ROOT}/rss", FEED)))
    requests = [i for i in items if isinstance(i, Request)]
    assert [r.url for r in requests] == [f"{ROOT}/pr/sues", f"{ROOT}/pr/undated"]
    assert requests[0].meta["listed_date"] == dt.date(2025, 9, 18)


def test_an_unchanged_feed_replays_its_items_as_not_modified():
    spider = configured_spider(feed_definition())()
    first = list(spider.parse_listing(xml(f"{ROOT}/rss", FEED)))
    [page] = [i for i in first if isinstance(i, ListingPage)]
    assert page.cache is None  # the test server sent no validators
    etagged = XmlResponse(
        url=f"{ROOT}/rss", body=FEED, headers={"ETag": '"1"'}, request=Request(f"{ROOT}/rss")
    )
    [page] = [i for i in spider.parse_listing(etagged) if isinstance(i, ListingPage)]
    again = configured_spider(feed_definition())(listings={f"{ROOT}/rss": page.cache})
    unchanged = XmlResponse(url=f"{ROOT}/rss", status=304, request=Request(f"{ROOT}/rss"))
    items = list(again.parse_listing(unchanged))
    assert [i.url for i in items if isinstance(i, ReleaseNotModified)] == [
        f"{ROOT}/pr/sues",
        f"{ROOT}/pr/undated",
    ]


def test_a_cut_short_or_broken_feed_is_a_problem():
    spider = configured_spider(feed_definition())()
    items = list(spider.parse_listing(xml(f"{ROOT}/rss", FEED[:400])))
    problems = [i.problem.value for i in items if isinstance(i, CrawlProblem)]
    assert problems == ["truncated"]
    assert not [i for i in items if isinstance(i, ReleasePage)]
    broken = (DATA / "doj" / "cases" / "bad_feed.xml").read_bytes()
    items = list(spider.parse_listing(xml(f"{ROOT}/rss", broken)))
    [problem] = [i for i in items if isinstance(i, CrawlProblem)]
    assert problem.problem.value == "parse" and "not well-formed" in problem.message
    assert len([i for i in items if isinstance(i, ReleasePage)]) == 6  # what could be read
