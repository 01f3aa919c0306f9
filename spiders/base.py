"""The shared newsroom spider: walk listing pages, then fetch each release page.

A site module subclasses :class:`NewsroomSpider` and supplies three things: the rows of a listing
page (:meth:`listing_entries`), the next listing page (:meth:`next_page`) and the fields of a
release page (:meth:`release_fields`). Everything else lives here: block pages, truncated pages,
404s, pagination limits, duplicate rows, re-fetching known releases, following links on
whatever host served the listing, and a backfill's walk on into the site's archive listings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import scrapy
from scrapy import exceptions
from scrapy.http import Response, TextResponse
from twisted.internet import defer, error
from twisted.python.failure import Failure

from monitor.normalize import canonical_url
from spiders.definition import select
from spiders.items import (
    CrawlProblem,
    ListingCache,
    ListingEntry,
    ListingPage,
    Problem,
    ReleaseFields,
    ReleaseGone,
    ReleaseNotModified,
    ReleasePage,
)

GONE_STATUSES = (404, 410)
END_OF_BODY = "</body>"  # the body's own close
# what a request that got no answer in time raises (Scrapy 2.14 has an exception of its own)
TIMEOUTS: tuple[type[BaseException], ...] = (
    TimeoutError,
    defer.TimeoutError,
    error.TimeoutError,
    *((exceptions.DownloadTimeoutError,) if hasattr(exceptions, "DownloadTimeoutError") else ()),
)


def is_block_page(response: Response) -> bool:
    """An Akamai-style block page: 403, or 200 with "Access Denied" and an edgesuite reference."""
    if response.status == 403:
        return True
    head = response.body[:20000]
    return b"Access Denied" in head and (b"edgesuite" in head or b"Reference #" in head)


def is_whole(response: Response, markers: Sequence[str]) -> bool:
    """Whether a page arrived whole: it holds one of ``markers``, what comes at the end of the
    site's pages. A marker is a closing tag found in the page's text (``"</body>"``: HTML5 lets a
    page omit ``</html>``, so that proves nothing) or a selector that finds an element (a footer,
    the pager, an end-of-release line); a page cut short holds none of them."""
    lowered: bytes | None = None
    for marker in markers:
        if marker.startswith("</"):
            lowered = response.body.lower() if lowered is None else lowered
            if marker.lower().encode() in lowered:
                return True
        elif isinstance(response, TextResponse) and select(response.selector, marker):
            return True
    return False


def _conditional(etag: str | None, modified: str | None) -> dict[str, str]:
    """Headers that let an unchanged page answer 304."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    return headers


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1")[:200] if value else None


def in_listing(url: str, listing: str) -> bool:
    """Whether ``url`` is a page of ``listing``: the same path, the listing's query parameters
    among its own (any host: a mirror serves the same listing)."""
    page, first = urlsplit(url), urlsplit(listing)
    return page.path.rstrip("/") == first.path.rstrip("/") and set(
        parse_qsl(first.query, keep_blank_values=True)
    ) <= set(parse_qsl(page.query, keep_blank_values=True))


class NewsroomSpider(scrapy.Spider):
    """Base for one newsroom. Subclasses set the class attributes and the three parse hooks."""

    name: str
    agency: ClassVar[str] = ""
    hosts: ClassVar[tuple[str, ...]] = ()  # the site's own hosts; links to them follow the mirror
    default_start_urls: ClassVar[tuple[str, ...]] = ()
    # listings that continue the live one, in order, walked by backfills only
    archive_urls: ClassVar[tuple[str, ...]] = ()
    handle_httpstatus_list = [304, 403, 404, 410]
    # what a whole page holds (see is_whole): any one of them; a source's end_markers win
    listing_end: ClassVar[tuple[str, ...]] = (END_OF_BODY, "footer")
    release_end: ClassVar[tuple[str, ...]] = (END_OF_BODY, "footer")

    def __init__(
        self,
        *args: Any,
        start_urls: Iterable[str] | None = None,
        max_pages: int | None = None,
        known: dict[str, dt.date | None] | None = None,
        recheck: Iterable[str] = (),
        validators: dict[str, tuple[str | None, str | None]] | None = None,
        listings: dict[str, ListingCache] | None = None,
        stop_before: dt.date | None = None,
        backfill: bool = False,
        end_markers: Sequence[str] | None = None,
        strip_query: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = list(start_urls or self.default_start_urls)
        self.max_pages = max_pages
        self.known = dict(known or {})
        self.recheck = set(recheck)
        self.validators = dict(validators or {})  # url -> (ETag, Last-Modified) of the last fetch
        self.listings = dict(listings or {})  # listing url -> what it held when last fetched
        self.stop_before = stop_before  # a backfill stops after the page reaching this date
        self.backfill = backfill  # a backfill walks on into the archive listings
        self.listing_markers = tuple(end_markers or self.listing_end)
        self.release_markers = tuple(end_markers or self.release_end)
        self.strip_query = tuple(strip_query)  # query parameters that mean nothing here
        self.listed: set[str] = set()
        self.oldest_listed: dt.date | None = None
        self.open_walks = 0

    # ---- hooks for the site modules -------------------------------------------------------

    def listing_entries(self, response: Response) -> Iterable[ListingEntry]:
        """The release rows of one listing page (href may be relative)."""
        raise NotImplementedError

    def next_page(self, response: Response) -> str | None:
        """The href of the next listing page, or ``None`` on the last one."""
        raise NotImplementedError

    def release_fields(self, response: Response) -> ReleaseFields:
        """Title, published date and clean body of a release page."""
        raise NotImplementedError

    def page_complete(self, response: Response) -> bool:
        """Whether a listing page arrived whole (a cut-short page is not trusted for removals)."""
        return is_whole(response, self.listing_markers)

    def release_complete(self, response: Response) -> bool:
        """Whether a release page arrived whole (a cut-short page is never a version)."""
        return is_whole(response, self.release_markers)

    def listed_release(self, entry: ListingEntry, response: Response) -> Iterator[Any]:
        """What a listing row leads to: by default a request for the release page."""
        yield self.release_request(entry.url, listed=entry.published)

    def is_soft_404(self, response: Response) -> bool:
        """A "page not found" answered with 200."""
        title = " ".join(response.css("title::text").getall()).lower()
        return "page not found" in title

    # ---- crawling ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for url in self.start_urls:
            self.open_walks += 1
            yield self.listing_request(canonical_url(url, strip=self.strip_query), 1)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        page = int(response.meta.get("listing_page", 1))
        url = self.canonical_url(response)
        cached = self.listings.get(url) if response.status == 304 else None
        if cached is None:
            problem = self.page_problem(response, listing=True)
            if problem is not None:
                yield problem
                yield from self._walk_finished()
                return
        complete = cached is not None or self.page_complete(response)
        if cached is not None:  # unchanged since the last fetch: its rows as they were
            entries, href = list(cached.entries), cached.next_url
        else:
            entries = [
                ListingEntry(self.follow_url(response, e.url), e.published, e.title)
                for e in self.listing_entries(response)
            ]
            found = self.next_page(response) if complete else None
            href = self.follow_url(response, found) if found else None
        own_next = href  # what a 304 replays: the page's own link, never the archive
        if href is None and complete and self.backfill:
            href = self.archive_after(response)
        rows = undated = 0
        for entry in entries:
            if entry.url in self.listed:
                continue  # the same release twice on one page or across pages
            self.listed.add(entry.url)
            rows += 1
            undated += entry.published is None
            if entry.published and (
                self.oldest_listed is None or entry.published < self.oldest_listed
            ):
                self.oldest_listed = entry.published
            yield from self.listed_release(entry, response)
        etag, modified = _header(response, b"ETag"), _header(response, b"Last-Modified")
        keep = cached is None and complete and bool(entries) and bool(etag or modified)
        yield ListingPage(
            self.name,
            url,
            rows,
            complete,
            ListingCache(etag, modified, tuple(entries), own_next) if keep else None,
            next_url=href,
            undated=undated,
        )
        if rows == 0 and complete and not entries:
            yield CrawlProblem(
                self.name,
                response.url,
                Problem.EMPTY_LISTING,
                "listing page yielded no releases (has the page layout changed?)",
                listing=True,
            )
        if not complete:
            yield CrawlProblem(
                self.name,
                response.url,
                Problem.TRUNCATED,
                "listing page was cut short",
                listing=True,
            )
        reached = self.stop_before is not None and any(
            e.published is not None and e.published < self.stop_before for e in entries
        )
        if href and not reached and (self.max_pages is None or page < self.max_pages):
            yield self.listing_request(href, page + 1)
            return
        yield from self._walk_finished()

    def listing_request(self, url: str, page: int) -> scrapy.Request:
        cached = self.listings.get(url)
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"listing_page": page},
            headers=_conditional(cached.etag, cached.last_modified) if cached else {},
            dont_filter=page == 1,
        )

    def release_request(self, url: str, *, listed: dt.date | None = None) -> scrapy.Request:
        """A release page request; ``listed`` is the listing row's date, the fallback date."""
        return scrapy.Request(
            url,
            callback=self.parse_release,
            errback=self.release_failed,
            meta={"listed_date": listed},
            headers=_conditional(*self.validators.get(url, (None, None))),
        )

    def parse_release(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield ReleaseNotModified(self.name, self.canonical_url(response))
            return
        if response.status in GONE_STATUSES or (
            response.status == 200 and self.is_soft_404(response)
        ):
            yield ReleaseGone(
                self.name,
                response.request.url if response.request else response.url,
                response.status,
            )
            return
        problem = self.page_problem(response, listing=False)
        if problem is not None:
            yield problem
            return
        if not self.release_complete(response):
            yield CrawlProblem(
                self.name, response.url, Problem.TRUNCATED, "release page was cut short"
            )
            return
        try:
            fields = self.release_fields(response)
        except Exception as exc:  # a site parser tripping on a new layout must not stop the crawl
            self.logger.exception("could not parse %s", response.url)
            yield CrawlProblem(
                self.name,
                response.url,
                Problem.PARSE,
                f"parser error: {exc!r}",
                status=response.status,
            )
            return
        missing = [name for name in ("title", "body") if not getattr(fields, name)]
        if missing:
            yield CrawlProblem(
                self.name,
                response.url,
                Problem.MISSING,
                f"release page has no {' or '.join(missing)}",
                status=response.status,
            )
            return
        published, date_source = fields.published, fields.date_source
        listed = response.meta.get("listed_date")
        if published is None and listed is not None:
            published, date_source = listed, "listing row"
        yield ReleasePage(
            source=self.name,
            url=self.canonical_url(response),
            title=fields.title,
            published=published,
            body=fields.body,
            html=response.body,
            date_source=date_source,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )

    # ---- errors -----------------------------------------------------------------------------

    def listing_failed(self, failure: Failure) -> Iterator[Any]:
        yield self._failure_problem(failure, listing=True)
        yield from self._walk_finished()

    def release_failed(self, failure: Failure) -> Iterator[Any]:
        yield self._failure_problem(failure, listing=False)

    def _failure_problem(self, failure: Failure, *, listing: bool) -> CrawlProblem:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        response = getattr(failure.value, "response", None)
        if response is not None:
            return CrawlProblem(
                self.name,
                url,
                Problem.HTTP,
                f"HTTP {response.status} after retries",
                listing=listing,
                status=response.status,
            )
        self.logger.debug("request failed: %s", failure.getTraceback())
        reason = failure.getErrorMessage() or getattr(failure.type, "__name__", "error")
        timed_out = isinstance(failure.value, TIMEOUTS) or any(
            word in reason.lower() for word in ("timed out", "timeout", "took longer than")
        )
        if timed_out:
            return CrawlProblem(
                self.name, url, Problem.TIMEOUT, f"no answer in time ({reason})", listing=listing
            )
        return CrawlProblem(self.name, url, Problem.NETWORK, reason, listing=listing)

    def page_problem(self, response: Response, *, listing: bool) -> CrawlProblem | None:
        if is_block_page(response):
            return CrawlProblem(
                self.name,
                response.url,
                Problem.BLOCKED,
                f"blocked by the site (HTTP {response.status} 'Access Denied' page)",
                listing=listing,
                status=response.status,
            )
        if response.status != 200:
            return CrawlProblem(
                self.name,
                response.url,
                Problem.HTTP,
                f"HTTP {response.status}",
                listing=listing,
                status=response.status,
            )
        return None

    # ---- re-fetching known releases -----------------------------------------------------------

    def _walk_finished(self) -> Iterator[scrapy.Request]:
        """After the last listing page: re-fetch known releases the listing did not show.

        Those dated inside the window the listing covered are fetched on every crawl (that is how
        deletions and silent edits of recent releases are caught); older ones only when the store
        says they are due (``recheck``).
        """
        self.open_walks -= 1
        if self.open_walks > 0:
            return
        for url, published in sorted(self.known.items()):
            if url in self.listed:
                continue
            in_window = (
                published is not None
                and self.oldest_listed is not None
                and published >= self.oldest_listed
            )
            if in_window or url in self.recheck:
                self.listed.add(url)
                yield self.release_request(url)

    # ---- URLs -------------------------------------------------------------------------------

    def archive_after(self, response: Response) -> str | None:
        """The first page of the archive listing after the one this last page belongs to
        (the live listing comes before every archive), or ``None`` after the last archive."""
        url, position = self.canonical_url(response), 0
        for index, archive in enumerate(self.archive_urls):
            if in_listing(url, archive):
                position = index + 1
        following = self.archive_urls[position:]
        return self.follow_url(response, following[0]) if following else None

    def follow_url(self, response: Response, href: str) -> str:
        """Absolute URL of a link; links to the site's own hosts stay on the host that served."""
        url = response.urljoin(href.strip())
        parts = urlsplit(url)
        served = urlsplit(response.url)
        if parts.hostname in self.hosts and parts.netloc != served.netloc:
            parts = parts._replace(scheme=served.scheme, netloc=served.netloc)
        return canonical_url(urlunsplit(parts), strip=self.strip_query)

    def canonical_url(self, response: Response) -> str:
        """The URL the release was requested at (redirects followed are kept as fetched)."""
        request = response.request
        return canonical_url(
            request.url if request is not None else response.url, strip=self.strip_query
        )
