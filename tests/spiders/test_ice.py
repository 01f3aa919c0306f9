"""Callback tests for the ICE newsroom spider, on the saved pages in tests/data/ice."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request

from monitor.normalize import content_hash
from spiders.ice import IceSpider
from spiders.items import (
    CrawlProblem,
    ListingEntry,
    ListingPage,
    Problem,
    ReleaseGone,
    ReleasePage,
)
from tests.newsrooms import DATA, Newsroom, case_response, saved_response

SITE = "ice"
LOCAL = "http://127.0.0.1:8000"
REAL = "https://www.ice.gov"
EXPECTED = json.loads((DATA / SITE / "expected.json").read_text())
MISSION = "U.S. Immigration and Customs Enforcement's mission is"
NR = "/news/releases/"

CHICAGO = NR + "ice-chicago-removes-mexican-national-wanted-homicide"
FIGURES = NR + "ice-reports-detainer-figures-fiscal-year-2025"
BRONX = NR + "ice-new-york-city-arrests-previously-removed-dominican-national"
HOUSTON = NR + "hsi-houston-dismantles-fraudulent-immigration-consulting-scheme"
ON_NOTICE = NR + "dhs-puts-california-illinois-new-york-on-notice-detainers"
FOLLOW_UP = NR + "ice-sends-follow-up-letters-attorneys-general-detainers"
DECLINE = NR + "illinois-new-york-decline-ice-detainer-requests"
LETTERS = NR + "ice-asks-california-illinois-new-york-attorneys-general-honor-detainers"
NEWARK = NR + "ice-newark-arrests-salvadoran-national-wanted-murder"
SCAMS = NR + "hsi-warns-public-scams-fast-track-work-permits"
GUATEMALA = NR + "ice-san-francisco-removes-guatemalan-fugitive-wanted-kidnapping"
COURTS = NR + "ice-statement-justice-department-lawsuit-new-york-protect-our-courts-act"
NEW = NR + "ice-new-york-arrests-11-noncitizens-released-despite-detainers"
COURT_RULING = NR + "ice-statement-court-ruling-lawsuit-illinois-sanctuary-laws"
LOS_ANGELES = NR + "ice-los-angeles-arrests-convicted-sex-offender-released-despite-detainer"


@pytest.fixture
def spider() -> IceSpider:
    return IceSpider()


def release(spider: IceSpider, response: HtmlResponse) -> ReleasePage:
    out = list(spider.parse_release(response))
    assert len(out) == 1 and isinstance(out[0], ReleasePage), out
    return out[0]


def only(items: list[Any], kind: type) -> list[Any]:
    return [item for item in items if isinstance(item, kind)]


def listing_requests(spider: IceSpider, out: list[Any]) -> list[scrapy.Request]:
    return [r for r in out if isinstance(r, scrapy.Request) and r.callback == spider.parse_listing]


def release_paths(state: str) -> list[str]:
    folder = DATA / SITE / state / "news" / "releases"
    return sorted(NR + page.stem for page in folder.glob("*.html"))


# ---- listing pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "target", "rows", "first", "last", "next_href"),
    [
        ("v1", "/newsroom", 5, CHICAGO, HOUSTON, "?page=1"),
        ("v1", "/newsroom?page=1", 5, COURT_RULING, LETTERS, "?page=2"),
        ("v1", "/newsroom?page=2", 4, NEWARK, COURTS, None),
        ("v2", "/newsroom", 5, NEW, LOS_ANGELES, "?page=1"),
        ("v2", "/newsroom?page=1", 5, HOUSTON, DECLINE, "?page=2"),
        ("v2", "/newsroom?page=2", 4, LETTERS, COURTS, None),
    ],
)
def test_listing_rows_and_pager(
    spider: IceSpider,
    state: str,
    target: str,
    rows: int,
    first: str,
    last: str,
    next_href: str | None,
) -> None:
    response = saved_response(SITE, LOCAL + target, state=state)
    entries = list(spider.listing_entries(response))
    urls = [spider.follow_url(response, e.url) for e in entries]
    assert len(entries) == rows  # the Spotlight sidebar's .views-row items are not releases
    assert len(set(urls)) == rows
    assert urls[0] == LOCAL + first and urls[-1] == LOCAL + last
    assert all(url.startswith(LOCAL + NR) for url in urls)
    assert spider.next_page(response) == next_href


def test_listing_dates(spider: IceSpider) -> None:
    response = saved_response(SITE, REAL + "/newsroom?page=1")
    entries = {e.url: e.published for e in spider.listing_entries(response)}
    # .news-date also holds the topic tag ("September 19, 2025 | 287(g) Program")
    assert "287(g) Program" in response.css(".news-date").getall()[2]
    assert entries[FOLLOW_UP] == dt.date(2025, 9, 19)
    assert entries[REAL + LETTERS] == dt.date(2025, 9, 10)  # an absolute link in the saved page
    assert all(isinstance(d, dt.date) for d in entries.values())


def test_listing_dates_follow_v2_redating(spider: IceSpider) -> None:
    v1 = saved_response(SITE, REAL + "/newsroom")
    v2 = saved_response(SITE, REAL + "/newsroom?page=1", state="v2")
    assert ListingEntry(HOUSTON, dt.date(2025, 10, 30)) in list(spider.listing_entries(v1))
    assert ListingEntry(HOUSTON, dt.date(2025, 10, 29)) in list(spider.listing_entries(v2))


@pytest.mark.parametrize("served", [LOCAL, REAL, "https://ice.gov"])
def test_parse_listing_follows_links_on_serving_host(spider: IceSpider, served: str) -> None:
    out = list(spider.parse_listing(saved_response(SITE, served + "/newsroom?page=2")))
    requests = [r for r in out if isinstance(r, scrapy.Request)]
    urls = [r.url for r in requests]
    # the page links one release as https://ice.gov/... and others root-relative
    assert served + NEWARK in urls
    assert all(url.startswith(served + NR) for url in urls)
    assert [p.releases for p in only(out, ListingPage)] == [4]
    assert all(r.callback == spider.parse_release for r in requests)  # last page: no next listing
    assert not only(out, CrawlProblem)


def test_absolute_www_link_is_rebased_to_local_host(spider: IceSpider) -> None:
    response = saved_response(SITE, LOCAL + "/newsroom?page=1")
    hrefs = [e.url for e in spider.listing_entries(response)]
    assert REAL + LETTERS in hrefs  # the saved page really links the real host
    out = list(spider.parse_listing(response))
    urls = [r.url for r in out if isinstance(r, scrapy.Request)]
    assert LOCAL + LETTERS in urls
    assert not any("ice.gov" in url for url in urls)


def test_parse_listing_requests_next_page(spider: IceSpider) -> None:
    out = list(spider.parse_listing(saved_response(SITE, LOCAL + "/newsroom")))
    listing = listing_requests(spider, out)
    assert [r.url for r in listing] == [LOCAL + "/newsroom?page=1"]
    assert listing[0].meta["listing_page"] == 2
    assert only(out, ListingPage) == [ListingPage("ice", LOCAL + "/newsroom", 5, True)]


def test_walking_v1_listing_matches_expected(spider: IceSpider) -> None:
    url: str | None = LOCAL + EXPECTED["start_urls"][0]
    pages = 0
    releases: list[str] = []
    while url:
        pages += 1
        out = list(spider.parse_listing(saved_response(SITE, url)))
        releases += [
            r.url
            for r in out
            if isinstance(r, scrapy.Request) and r.callback == spider.parse_release
        ]
        url = next((r.url for r in listing_requests(spider, out)), None)
    assert pages == EXPECTED["v1"]["listing_pages"]
    assert len(releases) == len(set(releases)) == EXPECTED["v1"]["releases"]
    assert sorted(u.removeprefix(LOCAL) for u in releases) == release_paths("v1")


def test_truncated_listing(spider: IceSpider) -> None:
    response = case_response(SITE, "truncated_listing.html", LOCAL + "/newsroom?page=1")
    out = list(spider.parse_listing(response))
    problems = only(out, CrawlProblem)
    assert [(p.problem, p.listing) for p in problems] == [(Problem.TRUNCATED, True)]
    assert only(out, ListingPage)[0].complete is False
    assert not listing_requests(spider, out)
    # the rows that did arrive are still followed (including the cut-off one, its link is whole)
    followed = [r.url for r in out if isinstance(r, scrapy.Request)]
    assert followed[:2] == [LOCAL + COURT_RULING, LOCAL + ON_NOTICE]
    assert len(followed) == 3


def test_blocked_listing(spider: IceSpider) -> None:
    response = saved_response(SITE, REAL + "/_blocked", status=403)
    out = list(spider.parse_listing(response))
    assert [(p.problem, p.listing) for p in only(out, CrawlProblem)] == [(Problem.BLOCKED, True)]
    assert not any(isinstance(r, scrapy.Request) for r in out)


# ---- release pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "path", "title", "published", "source", "starts", "ends"),
    [
        (
            "v1",
            CHICAGO,
            "ICE Chicago removes Mexican national wanted for homicide",
            dt.date(2026, 1, 22),
            "meta article:published_time",
            "CHICAGO — U.S. Immigration and Customs Enforcement officers in Chicago removed",
            "and he will now answer the charges against him.”",
        ),
        (
            "v1",
            GUATEMALA,
            "ICE San Francisco removes Guatemalan fugitive wanted for kidnapping",
            dt.date(2025, 7, 31),
            "text .nr-meta",
            "SAN FRANCISCO — U.S. Immigration and Customs Enforcement officers",
            "ICE officers arrested him in Daly City on April 4.",
        ),
        (
            "v1",
            LETTERS,
            "ICE asks attorneys general of California, Illinois and New York to honor immigration "
            "detainers",
            dt.date(2025, 9, 10),
            "meta article:published_time",
            "WASHINGTON — U.S. Immigration and Customs Enforcement sent letters today",
            'and the public deserves a clear answer."',
        ),
        (
            "v1",
            BRONX,
            "ICE New York City arrests previously removed Dominican national after jail declines "
            "detainer",
            dt.date(2025, 12, 15),
            "meta article:published_time",
            "NEW YORK — U.S. Immigration",
            "Attorney's Office for the Southern District of New York.",
        ),
        (
            "v1",
            SCAMS,
            "HSI warns public about scams promising fast-track work permits",
            dt.date(2025, 8, 14),
            "meta article:published_time",
            "WASHINGTON — Homeland Security Investigations is warning the public",
            "ICE tip line at 866-347-2423 and to the Federal Trade Commission.",
        ),
        (
            "v2",
            NEW,
            "ICE New York arrests 11 noncitizens released from local jails despite detainers",
            dt.date(2026, 2, 5),
            "meta article:published_time",
            "NEW YORK — U.S. Immigration and Customs Enforcement officers arrested 11 noncitizens",
            "All 11 remain in ICE custody pending removal proceedings.",
        ),
        (
            "v2",
            DECLINE,
            "Illinois and New York decline ICE detainer requests; California silent",
            dt.date(2025, 9, 16),
            "meta article:published_time",
            "WASHINGTON — The attorneys general of Illinois and New York",
            '"ICE will continue to lodge detainers in every case where the law allows."',
        ),
    ],
)
def test_release_fields(
    spider: IceSpider,
    state: str,
    path: str,
    title: str,
    published: dt.date,
    source: str,
    starts: str,
    ends: str,
) -> None:
    page = release(spider, saved_response(SITE, LOCAL + path, state=state))
    assert page.url == LOCAL + path
    assert page.title == title
    assert page.published == published
    assert page.date_source == source
    assert page.body.startswith(starts)
    assert page.body.endswith(ends)


def test_expected_titles_and_dates(spider: IceSpider) -> None:
    for path, title in EXPECTED["v1"]["titles"].items():
        page = release(spider, saved_response(SITE, REAL + path))
        assert page.title == title
        assert page.published == dt.date.fromisoformat(EXPECTED["v1"]["published"][path])


def test_page_without_meta_tag_really_lacks_it(spider: IceSpider) -> None:
    response = saved_response(SITE, REAL + GUATEMALA)
    assert not response.css('meta[property="article:published_time"]')
    assert response.css(".nr-meta .locality::text").get() == "SAN FRANCISCO"
    assert release(spider, response).published == dt.date(2025, 7, 31)


def test_list_items_become_paragraphs(spider: IceSpider) -> None:
    body = release(spider, saved_response(SITE, REAL + LETTERS)).body
    assert (
        "The letters ask each state to:\n\n"
        "notify ICE at least 48 hours before releasing a person subject to a detainer;\n\n"
        "allow ICE officers access"
    ) in body


@pytest.mark.parametrize(
    ("state", "path"),
    [("v1", p) for p in release_paths("v1")] + [("v2", p) for p in release_paths("v2")],
)
def test_decoy_and_boilerplate_never_in_body(spider: IceSpider, state: str, path: str) -> None:
    response = saved_response(SITE, LOCAL + path, state=state)
    decoys = response.css(".field--name-body")
    assert decoys and MISSION in decoys[0].get()  # the trap is on the page ...
    page = release(spider, response)
    assert MISSION not in page.body  # ... and stays out of the body
    teaser_texts = response.css(".related-news .field--name-body p::text").getall()
    assert len(teaser_texts) == 3
    for teaser in teaser_texts:
        assert teaser not in page.body
    for boilerplate in (
        "Related News",
        "About ICE",
        "Share on",
        "Share this page",
        "Email",
        "Last Reviewed",
        "Topics:",
        "Return to top",
        "500 12th St SW",
        "An official website",
        "Skip to main content",
        "Pagination",
    ):
        assert boilerplate not in page.body
    assert page.body.count("\n\n") >= 1
    assert "\n\n\n" not in page.body
    assert page.body.split("\n\n")[0].startswith(response.css(".nr-meta .locality::text").get(""))


def test_share_block_inside_body_is_dropped(spider: IceSpider) -> None:
    response = saved_response(SITE, REAL + BRONX)
    assert response.css(".nr-body .nr-share")  # this page renders the share buttons in the body
    body = release(spider, response).body
    assert body.endswith("Southern District of New York.")
    assert len(body.split("\n\n")) == 3


def test_page_without_nr_body_is_a_missing_body_not_the_decoy(spider: IceSpider) -> None:
    response = case_response(SITE, "release_without_nr_body.html", REAL + CHICAGO)
    assert response.css(".field--name-body") and not response.css(".nr-body")
    out = list(spider.parse_release(response))
    assert [type(item) for item in out] == [CrawlProblem]
    assert out[0].problem == Problem.MISSING and "body" in out[0].message


@pytest.mark.parametrize(
    ("case", "title", "published", "source"),
    [
        (
            "release_empty_meta.html",
            "ICE Chicago removes Mexican national wanted for homicide",
            dt.date(2026, 1, 22),
            "text .nr-meta",
        ),
        (
            "release_no_date.html",
            "ICE Chicago removes Mexican national wanted for homicide",
            None,
            "",
        ),
        (
            "release_og_title_only.html",
            "ICE Chicago removes Mexican national wanted for homicide",
            dt.date(2026, 1, 22),
            "meta article:published_time",
        ),
        (
            "release_windows_1252.html",
            "ICE statement on Justice Department lawsuit over New York\u2019s Protect Our Courts Act",
            dt.date(2025, 7, 17),
            "meta article:published_time",
        ),
    ],
)
def test_odd_release_pages(
    spider: IceSpider,
    case: str,
    title: str,
    published: dt.date | None,
    source: str,
) -> None:
    page = release(spider, case_response(SITE, case, LOCAL + CHICAGO))
    assert (page.title, page.published, page.date_source) == (title, published, source)
    assert MISSION not in page.body
    assert len(page.body.split("\n\n")) >= 3


def test_windows_1252_text_is_decoded(spider: IceSpider) -> None:
    raw = (DATA / SITE / "cases" / "release_windows_1252.html").read_bytes()
    assert b"\x92" in raw and b"\x97" in raw  # curly apostrophe and em dash as cp1252 bytes
    page = release(spider, case_response(SITE, "release_windows_1252.html", REAL + COURTS))
    assert page.body.startswith("WASHINGTON \u2014 U.S. Immigration and Customs Enforcement")
    assert "\u201cNew York\u2019s law does not make courthouses safer" in page.body


def test_truncated_release(spider: IceSpider) -> None:
    response = case_response(SITE, "truncated_release.html", LOCAL + CHICAGO)
    out = list(spider.parse_release(response))
    assert [(type(p), p.problem) for p in out] == [(CrawlProblem, Problem.TRUNCATED)]


def test_blocked_release(spider: IceSpider) -> None:
    out = list(spider.parse_release(saved_response(SITE, REAL + "/_blocked", status=403)))
    assert [(type(p), p.problem, p.listing) for p in out] == [
        (CrawlProblem, Problem.BLOCKED, False)
    ]
    assert "Access Denied" in out[0].message


def test_block_page_answered_with_200(spider: IceSpider) -> None:
    out = list(spider.parse_release(saved_response(SITE, REAL + "/_blocked")))
    assert [p.problem for p in only(out, CrawlProblem)] == [Problem.BLOCKED]


def served(room: Newsroom, url: str) -> HtmlResponse:
    status, body, _ = room.respond(url.removeprefix(LOCAL))
    return HtmlResponse(url=url, body=body, status=status, request=Request(url))


def test_removed_release_is_gone_in_v2(spider: IceSpider) -> None:
    room = Newsroom(SITE, state="v1")
    assert isinstance(release(spider, served(room, LOCAL + NEWARK)), ReleasePage)
    room.state = "v2"
    out = list(spider.parse_release(served(room, LOCAL + NEWARK)))
    assert out == [ReleaseGone("ice", LOCAL + NEWARK, 404)]


def test_unknown_release_404(spider: IceSpider) -> None:
    room = Newsroom(SITE)
    out = list(spider.parse_release(served(room, LOCAL + NR + "no-such-release")))
    assert out == [ReleaseGone("ice", LOCAL + NR + "no-such-release", 404)]


def test_soft_404(spider: IceSpider) -> None:
    out = list(spider.parse_release(case_response(SITE, "soft_404.html", REAL + NEWARK)))
    assert out == [ReleaseGone("ice", REAL + NEWARK, 200)]


# ---- v1 -> v2 -----------------------------------------------------------------------------------


def both_states(spider: IceSpider, path: str) -> tuple[ReleasePage, ReleasePage]:
    return (
        release(spider, saved_response(SITE, LOCAL + path, state="v1")),
        release(spider, saved_response(SITE, LOCAL + path, state="v2")),
    )


def differs(old: ReleasePage, new: ReleasePage, name: str) -> bool:
    """Whether one field changed as the monitor judges it (folded text, ISO date)."""
    if name == "published":
        return old.published != new.published
    return content_hash(getattr(old, name), None, "") != content_hash(getattr(new, name), None, "")


@pytest.mark.parametrize(("path", "fields"), sorted(EXPECTED["v2"]["edited"].items()))
def test_v2_edits_change_exactly_the_named_fields(
    spider: IceSpider,
    path: str,
    fields: list[str],
) -> None:
    old, new = both_states(spider, path)
    changed = [name for name in ("title", "published", "body") if differs(old, new, name)]
    assert changed == fields
    assert old.html != new.html


def test_v2_body_edit_is_the_corrected_figure(spider: IceSpider) -> None:
    old, new = both_states(spider, FIGURES)
    assert "168,214" in old.body and "168,241" in new.body
    assert "accounted for nearly half of the declined detainers" in new.body
    assert "accounted for nearly half" not in old.body


@pytest.mark.parametrize("path", EXPECTED["v2"]["noise"])
def test_v2_noise_only_page_hashes_alike(spider: IceSpider, path: str) -> None:
    old, new = both_states(spider, path)
    assert old.html != new.html
    assert old.body != new.body  # straight quotes became curly, raw text differs ...
    assert '"on notice"' in old.body and "\u201con notice\u201d" in new.body
    # ... but title, date and body are the same to a reader
    assert (old.title, old.published) == (new.title, new.published)
    assert content_hash(old.title, old.published, old.body) == content_hash(
        new.title, new.published, new.body
    )


def test_v2_new_and_removed_match_listing(spider: IceSpider) -> None:
    listed: set[str] = set()
    for target in ("/newsroom", "/newsroom?page=1", "/newsroom?page=2"):
        response = saved_response(SITE, LOCAL + target, state="v2")
        listed |= {
            spider.follow_url(response, e.url).removeprefix(LOCAL)
            for e in spider.listing_entries(response)
        }
    assert set(EXPECTED["v2"]["new"]) <= listed
    assert not set(EXPECTED["v2"]["removed"]) & listed
    gone = json.loads((DATA / SITE / "v2" / "_gone.json").read_text())
    assert set(gone) == set(EXPECTED["v2"]["removed"])
    oldest = min(
        dt.date.fromisoformat(EXPECTED["v1"]["published"][p])
        for p in listed
        if p in EXPECTED["v1"]["published"]
    )
    for path in EXPECTED["v2"]["removed"]:
        assert dt.date.fromisoformat(EXPECTED["v1"]["published"][path]) >= oldest
