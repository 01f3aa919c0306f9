"""``monitor sources check``: fetch one listing page and one release page, show what a crawl
would extract from them and which selector found each value. Nothing is stored.

The pages are read by the source's own spider hooks, the very code a crawl runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from monitor.config import ConfigError, SourceConfig
from monitor.fetch import impersonation_missing
from monitor.settings import DEFAULT_USER_AGENT
from spiders.base import GONE_STATUSES, NewsroomSpider
from spiders.configured import ConfiguredSpider, FeedSourceSpider, HtmlSourceSpider, Row
from spiders.items import CrawlProblem, ListingEntry, ReleasePage

EXCERPT = 300  # characters of the body shown


@dataclass
class RowReport:
    url: str
    title: str | None
    published: dt.date | None
    title_by: str = ""
    date_by: str = ""


@dataclass
class ListingReport:
    url: str
    status: int | None = None
    size: int = 0
    complete: bool = True
    rows_by: str = ""
    rows: list[RowReport] = field(default_factory=list)
    next_url: str | None = None
    next_by: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class ReleaseReport:
    url: str
    status: int | None = None
    title: str = ""
    title_by: str = ""
    published: dt.date | None = None
    date_by: str = ""
    words: int = 0
    excerpt: str = ""
    body_by: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    source: str
    kind: str
    agency: str
    listing: ListingReport
    release: ReleaseReport | None = None

    @property
    def ok(self) -> bool:
        return not self.listing.problems and self.release is not None and not self.release.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def check_source(
    source: SourceConfig,
    *,
    listing_url: str | None = None,
    release_url: str | None = None,
    client: Any = None,
) -> CheckReport:
    """Fetch a listing page (the first configured one, or ``listing_url``) and one release page
    (the first row's, or ``release_url``) and report what the spider extracts."""
    spider = source.spider(start_urls=source.listing_urls)
    own = client is None
    client = client or _client(source)
    try:
        url = listing_url or source.listing_urls[0]
        report = CheckReport(source.key, source.kind, source.name, ListingReport(url))
        response = _fetch(client, url, report.listing.problems)
        if response is None:
            return report
        entries = _read_listing(spider, response, report.listing)
        if (
            isinstance(spider, FeedSourceSpider)
            and not spider.definition.fetch_pages
            and release_url is None
            and entries
        ):  # the feed item is the release
            report.release = _feed_release(spider, response, entries[0])
            return report
        target = release_url or (entries[0].url if entries else None)
        if target is not None:
            report.release = _read_release(spider, client, target)
        return report
    finally:
        if own:
            client.close()


def _client(source: SourceConfig) -> Any:
    """An HTTP client like the crawl's: our User-Agent, or a browser's TLS fingerprint when the
    source impersonates one (its own headers, unless the operator set a user agent)."""
    agent, timeout = str(source.get("user_agent")), float(source.get("timeout"))
    browser = source.get("impersonate")
    if not browser:
        return httpx.Client(timeout=timeout, headers={"User-Agent": agent}, follow_redirects=True)
    missing = impersonation_missing()
    if missing:
        raise ConfigError(f"sources.{source.key}: {missing}")
    from curl_cffi import requests as curl

    headers = {} if agent == DEFAULT_USER_AGENT else {"User-Agent": agent}
    return curl.Session(impersonate=browser, timeout=timeout, headers=headers)


def _fetch(client: Any, url: str, problems: list[str]) -> Response | None:
    try:
        answer = client.get(url)
    except (httpx.HTTPError, OSError) as exc:  # curl_cffi's errors are OSErrors
        problems.append(f"could not fetch {url}: {exc or type(exc).__name__}")
        return None
    headers = Headers(dict(answer.headers.items()))
    final = str(answer.url)
    cls = responsetypes.from_args(headers=headers, url=final, body=answer.content)
    response: Response = cls(
        url=final,
        status=answer.status_code,
        headers=headers,
        body=answer.content,
        request=Request(url),
    )
    return response


def _page_problem(spider: NewsroomSpider, response: Response, *, listing: bool) -> str | None:
    problem: CrawlProblem | None = spider.page_problem(response, listing=listing)
    return problem.message if problem is not None else None


def _read_listing(
    spider: NewsroomSpider, response: Response, report: ListingReport
) -> list[ListingEntry]:
    report.status, report.size = response.status, len(response.body)
    problem = _page_problem(spider, response, listing=True)
    if problem is not None:
        report.problems.append(problem)
        return []
    report.complete = spider.page_complete(response)
    if not report.complete:
        report.problems.append("the page was cut short: a crawl would trust none of its rows")
    entries: list[ListingEntry] = []
    if isinstance(spider, ConfiguredSpider):
        rows: list[Row] = list(spider.rows(response))
        listing = spider.definition.listing
        report.rows_by = listing.row if listing is not None else "feed items"
        for row in rows:
            url = spider.follow_url(response, row.url)
            report.rows.append(
                RowReport(url, row.title.value, row.published, row.title.by, row.date.by)
            )
            entries.append(ListingEntry(url, row.published))
    else:
        report.rows_by = "the site's spider"
        for entry in spider.listing_entries(response):
            url = spider.follow_url(response, entry.url)
            report.rows.append(RowReport(url, None, entry.published))
            entries.append(ListingEntry(url, entry.published))
    if not entries:
        report.problems.append("no release rows found: check the row and link selectors")
    elif not any(e.published for e in entries):
        report.problems.append("no row has a date: check the date selector and format")
    found = spider.next_page(response)
    report.next_url = spider.follow_url(response, found) if found else None
    if isinstance(spider, HtmlSourceSpider) and spider.definition.listing:
        report.next_by = spider.definition.listing.next_page or ""
    return entries


def _read_release(spider: NewsroomSpider, client: Any, url: str) -> ReleaseReport:
    report = ReleaseReport(url)
    response = _fetch(client, url, report.problems)
    if response is None:
        return report
    report.status = response.status
    if response.status in GONE_STATUSES or spider.is_soft_404(response):
        report.problems.append(f"the page is gone (HTTP {response.status} or a not-found page)")
        return report
    problem = _page_problem(spider, response, listing=False)
    if problem is not None:
        report.problems.append(problem)
        return report
    try:
        fields = spider.release_fields(response)
    except Exception as exc:  # the same parser error a crawl would log, shown here
        report.problems.append(f"parser error: {exc!r}")
        return report
    report.title, report.published, body = fields.title, fields.published, fields.body
    report.date_by = fields.date_source
    report.title_by = fields.title_source or ("the site's spider" if fields.title else "")
    report.body_by = fields.body_source or ("the site's spider" if body else "")
    report.words, report.excerpt = len(body.split()), body[:EXCERPT]
    if not fields.title:
        report.problems.append("no title found: check the release title selector")
    if not body:
        report.problems.append("no body found: check the release body selector")
    if fields.published is None:
        report.problems.append("no date found (a crawl falls back to the listing row's date)")
    return report


def _feed_release(
    spider: ConfiguredSpider, response: Response, entry: ListingEntry
) -> ReleaseReport:
    report = ReleaseReport(entry.url, status=response.status)
    page = next(
        (i for i in spider.listed_release(entry, response) if isinstance(i, ReleasePage)), None
    )
    if page is None:
        report.problems.append("the feed item could not be read")
        return report
    report.title, report.title_by = page.title, "feed title"
    report.published, report.date_by = page.published, page.date_source
    report.words, report.excerpt = len(page.body.split()), page.body[:EXCERPT]
    report.body_by = "feed item content" if page.body else ""
    if not page.title:
        report.problems.append("the feed item has no title")
    if page.published is None:
        report.problems.append("the feed item has no date")
    return report
