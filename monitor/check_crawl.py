"""The crawl behind ``monitor sources check``: one listing page and one release page, fetched and
read the way a crawl reads them, into a :class:`~monitor.check.CheckReport`. Nothing is stored.

Run as ``python -m monitor.check_crawl SOURCE --output FILE [--config PATH] [--url URL]
[--release URL]`` (Twisted's reactor starts once per process): the report is written to FILE.
The source's own Scrapy settings and spider are used, with the crawl's pipeline handing every
item to a :class:`Probe` instead of the store; the spider is the source's, told to follow one
release link only.
"""

from __future__ import annotations

import argparse
import logging
import pickle
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.utils.reactor import install_reactor, is_reactor_installed

from monitor.check import EXCERPT, CheckReport, ListingReport, ReleaseReport, RowReport
from monitor.config import ConfigError, SourceConfig, load_config
from monitor.crawl import PROCESS_SETTINGS, REACTOR, scrapy_settings, spider_options
from spiders.base import NewsroomSpider, is_block_page
from spiders.configured import ConfiguredSpider, HtmlSourceSpider
from spiders.items import (
    CrawlProblem,
    ListingEntry,
    ListingPage,
    Problem,
    ReleaseFields,
    ReleaseGone,
    ReleasePage,
)

# what a check says where the crawl's message names the symptom, not the selector to look at
LISTING_HINTS = {
    Problem.EMPTY_LISTING: "no release rows found: check the row and link selectors",
    Problem.TRUNCATED: "the page was cut short: a crawl would trust none of its rows",
}


class Probe:
    """What a crawl's pipeline hands a run recorder, gathered into a report instead."""

    def __init__(self, report: CheckReport, release_url: str | None) -> None:
        self.report = report
        self.release_url = release_url
        self.followed: str | None = None  # the one release link a check follows
        self.fields: ReleaseFields | None = None  # what the site's parser read, when it did

    def page_fetched(self) -> None:
        """The pipeline counts fetched pages; a check has nothing to count."""

    def handle(self, item: Any) -> None:
        listing = self.report.listing
        if isinstance(item, ListingPage):
            listing.complete = item.complete
        elif isinstance(item, CrawlProblem) and (item.listing or item.url == listing.url):
            listing.problems.append(LISTING_HINTS.get(item.problem, item.message))
        elif isinstance(item, CrawlProblem):
            release = self.release(item.url)
            if item.problem is not Problem.MISSING:  # named field by field in finish()
                release.problems.append(item.message)
        elif isinstance(item, ReleaseGone):
            gone = f"the page is gone (HTTP {item.status} or a not-found page)"
            self.release(item.url).problems.append(gone)
        elif isinstance(item, ReleasePage) and self.fields is None:  # a feed item, not a page
            release = self.release(item.url)
            release.status = listing.status
            release.title, release.title_by = item.title, "feed title"
            release.published, release.date_by = item.published, item.date_source
            self.body(release, item.body, "feed item content")
            if not item.title:
                release.problems.append("the feed item has no title")
            if item.published is None:
                release.problems.append("the feed item has no date")

    def release(self, url: str) -> ReleaseReport:
        if self.report.release is None:
            self.report.release = ReleaseReport(url)
        return self.report.release

    @staticmethod
    def body(release: ReleaseReport, body: str, by: str) -> None:
        release.words, release.excerpt = len(body.split()), body[:EXCERPT]
        release.body_by = by if body else ""

    def listing_read(self, spider: NewsroomSpider, response: Response) -> None:
        """The listing page's rows and next link, with what found each, as its spider reads
        them (only from a page that is not an error or block page)."""
        listing = self.report.listing
        listing.status, listing.size = response.status, len(response.body)
        if response.status != 200 or is_block_page(response):
            return
        entries: list[ListingEntry] = []
        if isinstance(spider, ConfiguredSpider):
            rules = spider.definition.listing
            listing.rows_by = rules.row if rules is not None else "feed items"
            for row in spider.rows(response):
                url = spider.follow_url(response, row.url)
                listing.rows.append(
                    RowReport(url, row.title.value, row.published, row.title.by, row.date.by)
                )
                entries.append(ListingEntry(url, row.published))
        else:
            listing.rows_by = "the site's spider"
            for entry in spider.listing_entries(response):
                url = spider.follow_url(response, entry.url)
                listing.rows.append(RowReport(url, entry.title, entry.published))
                entries.append(ListingEntry(url, entry.published))
        if entries and not any(e.published for e in entries):
            listing.problems.append("no row has a date: check the date selector and format")
        found = spider.next_page(response) if spider.page_complete(response) else None
        listing.next_url = spider.follow_url(response, found) if found else None
        if isinstance(spider, HtmlSourceSpider) and spider.definition.listing:
            listing.next_by = spider.definition.listing.next_page or ""

    def fields_read(self, response: Response, fields: ReleaseFields) -> None:
        release = self.release(response.url)
        release.status = response.status
        release.title, release.published = fields.title, fields.published
        release.date_by = fields.date_source
        release.title_by = fields.title_source or ("the site's spider" if fields.title else "")
        self.body(release, fields.body, fields.body_source or "the site's spider")
        if not fields.title:
            release.problems.append("no title found: check the release title selector")
        if not fields.body:
            release.problems.append("no body found: check the release body selector")
        if fields.published is None:
            release.problems.append("no date found (a crawl falls back to the listing row's date)")


class CheckingSpider(NewsroomSpider):
    """Put before a source's spider class: one listing page, one release link, nothing
    re-fetched, and what the site's hooks read handed to the probe."""

    probe: Probe

    def parse_listing(self, response: Response) -> Iterator[Any]:
        self.probe.listing_read(self, response)
        yield from super().parse_listing(response)
        if self.probe.release_url and not self.probe.followed:
            self.probe.followed = self.probe.release_url
            yield self.release_request(self.probe.release_url)

    def listed_release(self, entry: ListingEntry, response: Response) -> Iterator[Any]:
        if self.probe.release_url or self.probe.followed:
            return
        self.probe.followed = entry.url
        yield from super().listed_release(entry, response)

    def parse_release(self, response: Response) -> Iterator[Any]:
        self.probe.release(response.url).status = response.status
        yield from super().parse_release(response)

    def release_fields(self, response: Response) -> ReleaseFields:
        fields = super().release_fields(response)
        self.probe.fields = fields
        self.probe.fields_read(response, fields)
        return fields

    def _walk_finished(self) -> Iterator[Any]:
        return iter(())  # known releases are not re-fetched: a check knows none


def run_check(
    source: SourceConfig, *, listing_url: str | None = None, release_url: str | None = None
) -> CheckReport:
    """Crawl one listing page and one release page of ``source`` in this process (once: the
    reactor cannot be restarted) and report what was read."""
    url = listing_url or source.listing_urls[0]
    report = CheckReport(source.key, source.kind, source.name, ListingReport(url))
    probe = Probe(report, release_url)
    spider = type(f"Check_{source.spider.__name__}", (CheckingSpider, source.spider), {})
    if not is_reactor_installed():
        install_reactor(REACTOR)
    process = CrawlerProcess(Settings(PROCESS_SETTINGS, priority="default"))
    logging.getLogger("scrapy").setLevel(logging.WARNING)
    crawler = Crawler(spider, scrapy_settings(source))
    process.crawl(
        crawler,
        start_urls=[url],
        max_pages=1,
        **spider_options(source),
        recorder=probe,
        probe=probe,
    )
    process.start()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.check_crawl")
    parser.add_argument("source")
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--config")
    parser.add_argument("--url")
    parser.add_argument("--release")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        source = load_config(args.config).source(args.source)
    except (ConfigError, KeyError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    report = run_check(source, listing_url=args.url, release_url=args.release)
    args.output.write_bytes(pickle.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
