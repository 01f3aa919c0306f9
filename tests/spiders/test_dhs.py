"""DHS spider callbacks on the saved pages of tests/data/dhs (offline)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request

from monitor.normalize import content_hash
from spiders.dhs import DhsSpider
from spiders.items import (
    CrawlProblem,
    ListingEntry,
    ListingPage,
    Problem,
    ReleaseGone,
    ReleasePage,
)
from tests.newsrooms import DATA, case_response, gone_paths, saved_response

SITE = "dhs"
LOCAL = "http://127.0.0.1:8000"
REAL = "https://www.dhs.gov"
LISTING = "/news-releases/press-releases"
EXPECTED = json.loads((DATA / SITE / "expected.json").read_text())

R1 = "/news/2026/01/15/dhs-releases-first-quarter-detainer-figures-fiscal-year-2026"
R2 = "/news/2025/12/04/dhs-statement-federal-court-ruling-illinois-sanctuary-laws"
R3 = "/news/2025/11/12/dhs-warns-public-about-scammers-impersonating-immigration-officers"
R4 = "/news/2025/10/22/dhs-responds-new-york-attorney-generals-refusal-honor-detainers"
R5 = "/news/2025/10/02/dhs-responds-illinois-attorney-generals-letter-detainers"
R6 = "/news/2025/09/20/dhs-puts-california-illinois-and-new-york-notice-over-detainer-policies"
R7 = "/news/2025/09/19/ice-sends-follow-letters-attorneys-general-california-illinois-and-new-york"
R8 = (
    "/news/2025/09/10/"
    "ice-asks-attorneys-general-three-states-whether-they-will-honor-immigration-deta"
)
R9 = (
    "/news/2025/07/14/"
    "dhs-welcomes-justice-department-lawsuit-against-new-york-protect-our-courts-act"
)
R10 = (
    "/news/2025/06/12/"
    "dhs-statement-justice-department-lawsuit-against-los-angeles-sanctuary-policies"
)
R11 = "/news/2025/03/18/dhs-highlights-detainers-declined-sanctuary-jurisdictions"
R12 = (
    "/news/2025/02/07/"
    "dhs-supports-justice-department-lawsuit-against-illinois-and-chicago-sanctuary"
)
R13 = "/news/2025/01/28/dhs-restores-detainer-notification-guidance-state-and-local-partners"
N1 = "/news/2026/02/05/dhs-launches-online-portal-detainer-release-notifications"
N2 = "/news/2026/01/29/dhs-warns-against-fake-immigration-bond-payment-websites"
DATELINE = "WASHINGTON \u2013 "  # an en dash, as the releases write it
V1_RELEASES = (R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13)
# the archive of press releases before 2025-01-20, walked by backfills only
ARCHIVE = "/archive/news?field_news_type_target_id=436"
A1 = "/archive/news/2024/12/18/dhs-reports-detainers-declined-sanctuary-jurisdictions-fiscal-year-2024"
A2 = "/archive/news/2024/10/29/dhs-awards-cybersecurity-grants-state-and-local-governments"
A3 = "/archive/news/2024/09/04/dhs-urges-families-prepare-hurricane-season-peaks"
A4 = "/archive/news/2024/05/21/tsa-reminds-travelers-real-id-requirements-ahead-summer-travel"
A5 = "/archive/news/2024/01/11/dhs-marks-human-trafficking-awareness-month-new-training-resources"
A6 = (
    "/archive/news/2023/11/14/"
    "dhs-statement-county-ordinance-limiting-cooperation-immigration-detainers"
)
A7 = "/archive/news/2023/08/22/dhs-expands-trusted-traveler-enrollment-interviews-airports"
A8 = "/archive/news/2023/03/07/cbp-seizes-counterfeit-merchandise-ahead-major-sporting-events"
ARCHIVE_RELEASES = (A1, A2, A3, A4, A5, A6, A7, A8)

BOILERPLATE = (
    "FOR IMMEDIATE RELEASE",
    "Office of Public Affairs",
    "DHS Press Office",
    "202-282-8010",
    "MediaInquiry@hq.dhs.gov",
    "###",
    "# # #",
    "Release Date",
    "Last Updated",
    "Related News",
    "Get Updates",
    "Sign up to receive email updates",
    "Share:",
    "Keywords",
    "Topics",
    "An official website",
    "Washington, DC 20528",
)


def run(callback: Any, response: HtmlResponse) -> tuple[list[scrapy.Request], list[Any]]:
    requests: list[scrapy.Request] = []
    items: list[Any] = []
    for out in callback(response):
        (requests if isinstance(out, scrapy.Request) else items).append(out)
    return requests, items


def release(path: str, *, state: str = "v1", host: str = LOCAL) -> ReleasePage:
    _, items = run(DhsSpider().parse_release, saved_response(SITE, host + path, state=state))
    assert len(items) == 1 and isinstance(items[0], ReleasePage), items
    page: ReleasePage = items[0]
    return page


def listing_requests(requests: list[scrapy.Request]) -> list[scrapy.Request]:
    return [r for r in requests if getattr(r.callback, "__name__", "") == "parse_listing"]


def release_urls(requests: list[scrapy.Request]) -> list[str]:
    return [r.url for r in requests if getattr(r.callback, "__name__", "") == "parse_release"]


# ---- listing pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "state", "first", "last", "rows", "next_query"),
    [
        ("", "v1", R1, R5, 5, "?page=1"),
        ("?page=1", "v1", R6, R10, 5, "?page=2"),
        ("?page=2", "v1", R11, R13, 3, None),
        ("", "v2", N1, R4, 5, "?page=1"),
        ("?page=1", "v2", R5, R9, 5, "?page=2"),
        ("?page=2", "v2", R10, R13, 4, None),
    ],
)
def test_listing_page(
    query: str, state: str, first: str, last: str, rows: int, next_query: str | None
) -> None:
    response = saved_response(SITE, LOCAL + LISTING + query, state=state)
    requests, items = run(DhsSpider().parse_listing, response)
    urls = release_urls(requests)
    assert len(urls) == rows == len(set(urls))
    assert urls[0] == LOCAL + first and urls[-1] == LOCAL + last
    assert all(urlsplit(u).netloc == "127.0.0.1:8000" for u in urls)
    assert [i for i in items if isinstance(i, ListingPage)] == [
        ListingPage("dhs", response.url, rows, True)
    ]
    assert not [i for i in items if isinstance(i, CrawlProblem)]
    following = listing_requests(requests)
    if next_query is None:
        assert following == []
    else:
        assert [r.url for r in following] == [LOCAL + LISTING + next_query]
        assert following[0].meta["listing_page"] == 2


def test_absolute_links_to_the_real_host_follow_the_serving_host() -> None:
    raw = saved_response(SITE, LOCAL + LISTING).css("a[href*='/news/2025/12/04/']::attr(href)")
    assert raw.get() == REAL + R2  # the saved page really links the real host
    local, _ = run(DhsSpider().parse_listing, saved_response(SITE, LOCAL + LISTING))
    assert LOCAL + R2 in release_urls(local)
    assert not any("dhs.gov" in u for u in release_urls(local))
    real, _ = run(DhsSpider().parse_listing, saved_response(SITE, REAL + LISTING))
    assert REAL + R2 in release_urls(real)
    assert listing_requests(real)[0].url == REAL + LISTING + "?page=1"


def test_listing_dates_come_from_the_datetime_attribute_not_the_yearless_text() -> None:
    response = saved_response(SITE, REAL + LISTING + "?page=1")
    row = response.css("li.usa-collection__item")[0]
    assert "".join(row.css("time ::text").getall()) == "Sep 20"
    entries = list(DhsSpider().listing_entries(response))
    assert entries[:3] == [
        ListingEntry(R6, dt.date(2025, 9, 20)),
        ListingEntry(REAL + R7, dt.date(2025, 9, 19)),
        ListingEntry(R8, dt.date(2025, 9, 10)),
    ]
    redated = list(
        DhsSpider().listing_entries(saved_response(SITE, REAL + LISTING + "?page=1", state="v2"))
    )
    assert redated[0] == ListingEntry(R5, dt.date(2025, 10, 3))


@pytest.mark.parametrize("state", ["v1", "v2"])
def test_walking_the_listing_finds_every_release_once(state: str) -> None:
    spider = DhsSpider()
    url: str | None = LOCAL + LISTING
    urls: list[str] = []
    pages = 0
    while url:
        requests, _ = run(spider.parse_listing, saved_response(SITE, url, state=state))
        pages += 1
        urls += release_urls(requests)
        following = listing_requests(requests)
        url = following[0].url if following else None
    paths = [urlsplit(u).path for u in urls]
    assert len(paths) == len(set(paths))
    if state == "v1":
        assert pages == EXPECTED["v1"]["listing_pages"]
        assert len(paths) == EXPECTED["v1"]["releases"]
        assert set(EXPECTED["v1"]["titles"]) <= set(paths)
    else:
        assert set(EXPECTED["v2"]["new"]) <= set(paths)
        assert not set(EXPECTED["v2"]["removed"]) & set(paths)
    assert spider.oldest_listed == dt.date(2025, 1, 28)


def test_all_news_updates_view_is_read_too() -> None:
    response = case_response(SITE, "all_news_updates.html", REAL + "/all-news-updates")
    spider = DhsSpider()
    assert list(spider.listing_entries(response)) == [
        ListingEntry(R6, dt.date(2025, 9, 20)),
        ListingEntry(R7, dt.date(2025, 9, 19)),
        ListingEntry(R8, dt.date(2025, 9, 10)),
    ]
    assert spider.next_page(response) == "?page=1"


def test_a_page_without_release_rows_is_an_empty_listing_error() -> None:
    _, items = run(DhsSpider().parse_listing, saved_response(SITE, LOCAL + R4))
    problems = [i for i in items if isinstance(i, CrawlProblem)]
    assert [(p.problem, p.listing) for p in problems] == [(Problem.EMPTY_LISTING, True)]


def test_truncated_listing_keeps_its_rows_but_is_flagged_and_not_followed() -> None:
    response = case_response(SITE, "truncated_listing.html", LOCAL + LISTING + "?page=1")
    requests, items = run(DhsSpider().parse_listing, response)
    assert release_urls(requests) == [LOCAL + R6, LOCAL + R7, LOCAL + R8]
    assert listing_requests(requests) == []
    assert ListingPage("dhs", response.url, 3, False) in items
    problems = [i for i in items if isinstance(i, CrawlProblem)]
    assert [(p.problem, p.listing) for p in problems] == [(Problem.TRUNCATED, True)]


# ---- the archive listing (backfills only) ----------------------------------------------------


@pytest.mark.parametrize(
    ("query", "releases", "next_query"),
    [("", ARCHIVE_RELEASES[:5], "&page=1"), ("&page=1", ARCHIVE_RELEASES[5:], None)],
)
@pytest.mark.parametrize("backfill", [False, True])
def test_archive_listing_page(
    query: str, releases: tuple[str, ...], next_query: str | None, backfill: bool
) -> None:
    response = saved_response(SITE, LOCAL + ARCHIVE + query)
    requests, items = run(DhsSpider(backfill=backfill).parse_listing, response)
    assert release_urls(requests) == [LOCAL + path for path in releases]
    pages = [i for i in items if isinstance(i, ListingPage)]
    assert pages == [ListingPage("dhs", response.url, len(releases), True)]
    assert not [i for i in items if isinstance(i, CrawlProblem)]
    following = [r.url for r in listing_requests(requests)]
    # the archive's last page is the end, for a backfill too: no archive comes after it
    assert following == ([LOCAL + ARCHIVE + next_query] if next_query else [])
    assert pages[0].next_url == (following[0] if following else None)


def test_archive_rows_take_the_datetime_and_else_the_date_in_the_url() -> None:
    response = saved_response(SITE, REAL + ARCHIVE)
    assert list(DhsSpider().listing_entries(response)) == [
        ListingEntry(A1, dt.date(2024, 12, 18)),
        ListingEntry(REAL + A2, dt.date(2024, 10, 29)),  # the saved page links the real host
        ListingEntry(A3, dt.date(2024, 9, 4)),
        ListingEntry(A4, dt.date(2024, 5, 21)),
        ListingEntry(A5, dt.date(2024, 1, 11)),
    ]
    # the row's datetime wins over the URL's date; a row without one falls back to the URL
    redated = response.replace(
        body=response.body.replace(b'datetime="2024-12-18T12', b'datetime="2024-12-19T12')
    )
    assert next(iter(DhsSpider().listing_entries(redated))).published == dt.date(2024, 12, 19)
    undated = response.replace(body=response.body.replace(b"<time datetime=", b"<time data-x="))
    assert not undated.css(".views-row time::attr(datetime)")
    assert [e.published for e in DhsSpider().listing_entries(undated)] == [
        dt.date(2024, 12, 18),
        dt.date(2024, 10, 29),
        dt.date(2024, 9, 4),
        dt.date(2024, 5, 21),
        dt.date(2024, 1, 11),
    ]


@pytest.mark.parametrize("host", [LOCAL, REAL])
def test_a_backfill_walks_on_from_the_live_listing_into_the_archive(host: str) -> None:
    last = saved_response(SITE, host + LISTING + "?page=2")
    requests, items = run(DhsSpider(backfill=True).parse_listing, last)
    following = listing_requests(requests)
    assert [r.url for r in following] == [host + ARCHIVE]  # on the host that served the listing
    assert following[0].meta["listing_page"] == 2
    [page] = [i for i in items if isinstance(i, ListingPage)]
    assert page.next_url == host + ARCHIVE  # where an interrupted backfill resumes
    regular, items = run(DhsSpider().parse_listing, last)
    assert listing_requests(regular) == []
    assert [i.next_url for i in items if isinstance(i, ListingPage)] == [None]


def test_a_remembered_listing_page_keeps_its_own_next_link_not_the_archive() -> None:
    # what a regular crawl replays on a 304 must not lead it into the archive
    last = saved_response(SITE, LOCAL + LISTING + "?page=2")
    last = last.replace(headers={"ETag": '"abc"'})
    _, items = run(DhsSpider(backfill=True).parse_listing, last)
    [page] = [i for i in items if isinstance(i, ListingPage)]
    assert page.next_url == LOCAL + ARCHIVE
    assert page.cache is not None and page.cache.next_url is None


def test_a_backfill_stops_at_the_page_reaching_its_date_before_the_archive() -> None:
    last = saved_response(SITE, LOCAL + LISTING + "?page=2")  # its oldest row: 2025-01-28
    requests, _ = run(DhsSpider(backfill=True, stop_before=dt.date(2025, 2, 1)).parse_listing, last)
    assert listing_requests(requests) == []


def test_a_backfill_walk_reads_the_live_listing_then_the_archive_once() -> None:
    spider = DhsSpider(backfill=True)
    url: str | None = LOCAL + LISTING
    walked: list[str] = []
    urls: list[str] = []
    while url:
        walked.append(url)
        requests, _ = run(spider.parse_listing, saved_response(SITE, url))
        urls += release_urls(requests)
        following = listing_requests(requests)
        url = following[0].url if following else None
    assert walked == [
        LOCAL + LISTING,
        LOCAL + LISTING + "?page=1",
        LOCAL + LISTING + "?page=2",
        LOCAL + ARCHIVE,
        LOCAL + ARCHIVE + "&page=1",
    ]
    paths = [urlsplit(u).path for u in urls]
    assert paths == [*V1_RELEASES, *ARCHIVE_RELEASES]
    assert spider.oldest_listed == dt.date(2023, 3, 7)


# ---- release pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "state", "title", "published", "source", "starts", "ends"),
    [
        (
            R1,
            "v1",
            "DHS Releases First Quarter Detainer Figures for Fiscal Year 2026",
            dt.date(2026, 1, 15),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security (DHS) today released figures",
            "DHS will publish updated figures at the end of each quarter.",
        ),
        (
            R4,
            "v1",
            "DHS Responds to New York Attorney General\u2019s Refusal to Honor Detainers",
            dt.date(2025, 10, 22),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security today responded to the New York",
            "DHS will continue to request notification in every case.",
        ),
        (
            R8,
            "v1",
            "ICE Asks Attorneys General of Three States "
            "Whether They Will Honor Immigration Detainers",
            dt.date(2025, 9, 10),
            "text .news-release-date-value",
            f"{DATELINE}U.S. Immigration and Customs Enforcement today sent letters",
            "including detainers for individuals charged with violent crimes.",
        ),
        (
            R10,
            "v1",
            "DHS Statement on Justice Department Lawsuit Against Los Angeles Sanctuary Policies",
            dt.date(2025, 6, 12),
            "url",
            f"{DATELINE}The Department of Homeland Security issued the following statement",
            "to bar the city from enforcing it.",
        ),
        (
            R11,
            "v1",
            "DHS Highlights Detainers Declined by Sanctuary Jurisdictions",
            dt.date(2025, 3, 18),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security today published a list of cases",
            "review their policies on cooperation with ICE.",
        ),
        (
            R12,
            "v1",
            "DHS Supports Justice Department Lawsuit Against Illinois and Chicago Sanctuary Laws",
            dt.date(2025, 2, 7),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security today expressed its support",
            "that keeps dangerous criminals off our streets.\u201d",
        ),
        (
            R13,
            "v1",
            "DHS Restores Detainer Notification Guidance for State and Local Partners",
            dt.date(2025, 1, 28),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security today issued updated guidance",
            "Enforcement and Removal Operations field office.",
        ),
        (
            A1,
            "v1",
            "DHS Reports Detainers Declined by Sanctuary Jurisdictions in Fiscal Year 2024",
            dt.date(2024, 12, 18),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security today released a summary",
            "DHS will update it at the end of each fiscal year.",
        ),
        (
            A6,
            "v1",
            "DHS Statement on County Ordinance Limiting Cooperation with Immigration Detainers",
            dt.date(2023, 11, 14),
            "time@datetime",
            f"{DATELINE}The Department of Homeland Security issued the following statement",
            "on the cases that matter most to public safety.\u201d",
        ),
        (
            A8,
            "v1",
            "CBP Seizes Counterfeit Merchandise Ahead of Major Sporting Events",
            dt.date(2023, 3, 7),
            "url",
            f"{DATELINE}U.S. Customs and Border Protection officers seized shipments",
            "be wary of prices that seem too good to be true.",
        ),
        (
            N1,
            "v2",
            "DHS Launches Online Portal for Detainer Release Notifications",
            dt.date(2026, 2, 5),
            "text .news-release-date-value",
            f"{DATELINE}The Department of Homeland Security today launched an online portal",
            "may continue to contact ICE by telephone.",
        ),
        (
            R7,
            "v2",
            "ICE Follow-Up Letters Warn Three States of Referral to Justice Department",
            dt.date(2025, 9, 19),
            "text .news-release-date-value",
            f"{DATELINE}U.S. Immigration and Customs Enforcement has sent follow-up letters",
            "the public and the individuals involved.",
        ),
    ],
)
def test_release_fields(
    path: str, state: str, title: str, published: dt.date, source: str, starts: str, ends: str
) -> None:
    page = release(path, state=state, host=REAL)
    assert page.url == REAL + path
    assert page.title == title
    assert page.published == published
    assert page.date_source == source
    assert page.body.startswith(starts)
    assert page.body.endswith(ends)


@pytest.mark.parametrize("path", V1_RELEASES + ARCHIVE_RELEASES)
def test_bodies_are_the_release_text_only(path: str) -> None:
    page = release(path)
    for junk in (*BOILERPLATE, "news archive"):
        assert junk not in page.body, junk
    paragraphs = page.body.split("\n\n")
    assert paragraphs[0].startswith(DATELINE)
    html = saved_response(SITE, LOCAL + path)
    # every text paragraph of the body field, and nothing else, contact block and "###" aside
    body_ps = [
        text
        for text in html.css("article .field--name-body > p").xpath("string()").getall()
        if "IMMEDIATE" not in text and "@" not in text and "#" not in text
    ]
    assert len(paragraphs) == len(body_ps) >= 3
    assert all(p and "\n" not in p for p in paragraphs)


def test_contact_block_and_end_marker_are_dropped_from_older_releases() -> None:
    raw = saved_response(SITE, LOCAL + R11).css(".field--name-body").get("")
    assert "FOR IMMEDIATE RELEASE" in raw and "###" in raw
    for path in (R11, R12, R13, A1, A3, A6):
        body = release(path).body
        assert not body.startswith(("FOR", "Office", "DHS Press", "Contact"))
        assert "#" not in body


def test_body_is_the_article_not_the_sidebar_block_with_the_same_field_class() -> None:
    response = saved_response(SITE, LOCAL + R6)
    assert len(response.css(".field--name-body")) == 2  # the trap: the sidebar block has one
    assert "Sign up to receive" in response.css("aside .field--name-body").get("")
    expected = release(R6).body
    # a re-themed page whose body field lost its class: the article, minus its other fields
    renamed = response.replace(
        body=response.body.replace(b"field--name-body field--type-text-with-summary", b"x", 1)
    )
    assert len(renamed.css(".field--name-body")) == 1
    assert DhsSpider().release_fields(renamed).body == expected


def test_date_falls_back_to_the_url_and_else_is_unknown() -> None:
    response = saved_response(SITE, REAL + R10)
    assert not response.css(".news-release-date-value")
    assert DhsSpider().release_fields(response).published == dt.date(2025, 6, 12)
    undated = response.replace(url=REAL + "/news/dhs-statement-los-angeles-sanctuary-lawsuit")
    fields = DhsSpider().release_fields(undated)
    assert (fields.published, fields.date_source) == (None, "")
    assert fields.title.startswith("DHS Statement on Justice Department Lawsuit")


def test_label_and_og_title_fallbacks() -> None:
    # no .news-release-date-value, no h1: the "Release Date:" field label and og:title remain;
    # the page says February 6 while the URL says February 5, so the label must win
    response = case_response(SITE, "release_label_date_og_title.html", LOCAL + N1)
    fields = DhsSpider().release_fields(response)
    assert fields.title == "DHS Launches Online Portal for Detainer Release Notifications"
    assert fields.published == dt.date(2026, 2, 6)
    assert fields.date_source == "text after 'Release Date:'"
    assert fields.body.startswith(f"{DATELINE}The Department of Homeland Security today")


def test_windows_1252_page_is_decoded_by_its_declared_charset() -> None:
    response = case_response(SITE, "release_windows1252.html", REAL + R12)
    assert response.encoding == "cp1252"
    assert "\u2019".encode() not in response.body  # really single-byte on disk
    fields = DhsSpider().release_fields(response)
    assert fields.published == dt.date(2025, 2, 7)
    assert "Justice Department\u2019s lawsuit" in fields.body
    assert fields.body == release(R12).body


def test_truncated_release_is_flagged() -> None:
    response = case_response(SITE, "truncated_release.html", LOCAL + R6)
    _, items = run(DhsSpider().parse_release, response)
    assert [(i.problem, i.listing) for i in items] == [(Problem.TRUNCATED, False)]


# ---- block pages, gone pages ----------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 200])
def test_akamai_block_page(status: int) -> None:
    response = saved_response(SITE, REAL + "/_blocked", status=status)
    _, items = run(DhsSpider().parse_release, response)
    assert [(type(i), i.problem) for i in items] == [(CrawlProblem, Problem.BLOCKED)]
    requests, items = run(DhsSpider().parse_listing, response)
    assert requests == []
    assert [(i.problem, i.listing) for i in items] == [(Problem.BLOCKED, True)]


@pytest.mark.parametrize("status", [404, 200])
def test_not_found_page_means_the_release_is_gone(status: int) -> None:
    body = saved_response(SITE, LOCAL + "/_404").body
    response = HtmlResponse(LOCAL + R3, body=body, status=status, request=Request(LOCAL + R3))
    _, items = run(DhsSpider().parse_release, response)
    assert items == [ReleaseGone("dhs", LOCAL + R3, status)]


# ---- the v2 state -------------------------------------------------------------------------


def test_v2_edits_change_exactly_the_fields_expected() -> None:
    for path, fields in EXPECTED["v2"]["edited"].items():
        before, after = release(path), release(path, state="v2")
        changed = [
            f for f in ("title", "published", "body") if getattr(before, f) != getattr(after, f)
        ]
        assert changed == fields, path
    assert release(R5, state="v2").published == dt.date(2025, 10, 3)


def test_v2_noise_only_page_reads_the_same() -> None:
    (path,) = EXPECTED["v2"]["noise"]
    before, after = release(path), release(path, state="v2")
    assert before.html != after.html
    assert '"New York has turned' in before.body and "\u201cNew York has turned" in after.body
    assert (before.title, before.published) == (after.title, after.published)
    assert content_hash(before.title, before.published, before.body) == content_hash(
        after.title, after.published, after.body
    )


def test_v2_removed_release_answers_404_and_is_inside_the_listing_window() -> None:
    (path,) = EXPECTED["v2"]["removed"]
    assert gone_paths(DATA / SITE, "v2") == {path: 404}
    published = release(path).published
    assert published == dt.date(2025, 11, 12)
    assert published >= dt.date(2025, 1, 28)  # the oldest row still listed in v2
    for state in ("v1", "v2"):
        new = EXPECTED["v2"]["new"]
        listed = saved_response(SITE, LOCAL + LISTING, state=state).text
        assert (path in listed) == (state == "v1")
        assert all((p in listed) == (state == "v2") for p in new)
