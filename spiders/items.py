"""What a spider hands to the pipeline: plain values, no database in sight."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Problem(enum.StrEnum):
    """Closed set of things that can go wrong on one page: the reason a page failed."""

    BLOCKED = "blocked"  # a 403 / bot-protection "Access Denied" page
    HTTP = "http"  # an unexpected status after retries
    TIMEOUT = "timeout"  # no answer in time, after retries
    NETWORK = "network"  # refused connection, DNS, a dropped connection
    EMPTY_LISTING = "empty-listing"  # a listing page with no releases: a selector broke
    TRUNCATED = "truncated"  # answered, but cut short
    MISSING = "missing"  # a release page without its title or body
    PARSE = "parse"  # the site's parser raised, or a feed is not well-formed
    GONE = "gone"  # a release link that answers 404/410 and was never stored
    STORAGE = "storage"  # the database refused to store the page

    @property
    def site_trouble(self) -> bool:
        """Whether the site itself was unwell (then a run proves no removal): a block, an
        error status, no answer, a cut-short or empty page. A page that lacks a field, trips
        the parser, was never there, or could not be stored says nothing about the others."""
        return self not in (Problem.MISSING, Problem.PARSE, Problem.GONE, Problem.STORAGE)


@dataclass(frozen=True)
class ListingEntry:
    """One row of a listing page."""

    url: str
    published: dt.date | None = None
    title: str | None = field(default=None, compare=False)  # as the row shows it


@dataclass(frozen=True)
class ReleaseFields:
    """What a site's release-page parser extracts."""

    title: str
    published: dt.date | None
    body: str
    date_source: str = ""  # which selector gave the date, for diagnostics
    title_source: str = ""  # which selector gave the title ("" when the site parser says not)
    body_source: str = ""


@dataclass(frozen=True)
class ReleasePage:
    source: str
    url: str
    title: str
    published: dt.date | None
    body: str
    html: bytes
    date_source: str = ""
    etag: str | None = None  # validators the site sent, for conditional requests next time
    last_modified: str | None = None


@dataclass(frozen=True)
class ReleaseNotModified:
    """A known release's page answered 304 to a conditional request: it has not changed."""

    source: str
    url: str


@dataclass(frozen=True)
class ReleaseGone:
    """A release's own page answered 404 or 410 (or a soft 404)."""

    source: str
    url: str
    status: int


@dataclass(frozen=True)
class ListingCache:
    """What a listing page held when last fetched, replayed when it answers 304."""

    etag: str | None
    last_modified: str | None
    entries: tuple[ListingEntry, ...]  # absolute URLs
    next_url: str | None


@dataclass(frozen=True)
class ListingPage:
    source: str
    url: str
    releases: int
    complete: bool
    cache: ListingCache | None = None  # to store, when the site sent validators
    # the following listing page, where a backfill resumes (not part of what the page "is")
    next_url: str | None = field(default=None, compare=False)
    undated: int = field(default=0, compare=False)  # rows of ``releases`` without a date


@dataclass(frozen=True)
class CrawlProblem:
    source: str
    url: str
    problem: Problem
    message: str
    listing: bool = False  # the page was a listing page (the crawl cannot be trusted whole)
    status: int | None = None  # the HTTP status the page answered with, where one came
