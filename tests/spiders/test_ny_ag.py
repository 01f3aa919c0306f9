"""Callback tests for the New York Attorney General spider, on the saved pages."""

# The site writes curly apostrophes and en dashes, and the titles keep them as readers see them.

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request

from monitor.normalize import content_hash
from spiders.items import CrawlProblem, ListingPage, Problem, ReleaseGone, ReleasePage
from spiders.ny_ag import NyAgSpider
from tests.newsrooms import DATA, Newsroom, case_response, saved_response

SITE = "ny_ag"
LOCAL = "http://127.0.0.1:8000"
REAL = "https://ag.ny.gov"
EXPECTED = json.loads((DATA / SITE / "expected.json").read_text())


def ag(year: int | None, slug: str) -> str:
    """A release path; the oldest releases have no year in their URL."""
    folder = f"/press-release/{year}/" if year else "/press-release/"
    return folder + "attorney-general-james-" + slug


SCAM_CONSULTANTS = ag(2026, "shuts-down-fake-immigration-consultants-targeting-new-yorkers")
LANDLORD = ag(2026, "sues-brooklyn-landlord-threatening-tenants-immigration-status")
BIRTHRIGHT = ag(2026, "leads-coalition-defending-birthright-citizenship")
POCA_DISMISSED = ag(
    2025, "wins-dismissal-justice-department-lawsuit-against-protect-our-courts-act"
)
WAGE_THEFT = ag(2025, "recovers-2-million-workers-cheated-construction-contractor")
IMPOSTOR_SCAMS = ag(2025, "warns-new-yorkers-about-scammers-impersonating-immigration-officers")
TAX_PREPARER = ag(2025, "secures-13-million-online-tax-preparer-hidden-fees")
FEDERAL_THREATS = ag(2025, "responds-federal-threats-over-new-york-detainer-policy")
ICE_LETTER = ag(2025, "answers-ice-letter-immigration-detainers")
GUIDANCE = ag(2025, "issues-guidance-local-law-enforcement-cooperation-federal-immigration")
DOJ_STATEMENT = ag(2025, "statement-justice-department-lawsuit-against-new-york")
RIGHTS_GUIDE = ag(None, "releases-know-your-rights-guide-immigrant-new-yorkers")
GRANTS = ag(2026, "sues-stop-federal-government-withholding-public-safety-grants")


def split(results: Any) -> tuple[list[scrapy.Request], list[Any]]:
    requests: list[scrapy.Request] = []
    items: list[Any] = []
    for result in results:
        (requests if isinstance(result, scrapy.Request) else items).append(result)
    return requests, items


def release(path: str, *, state: str = "v1", host: str = REAL) -> ReleasePage:
    _, items = split(NyAgSpider().parse_release(saved_response(SITE, host + path, state=state)))
    assert len(items) == 1 and isinstance(items[0], ReleasePage), items
    page: ReleasePage = items[0]
    return page


def respond(state: str, path: str) -> HtmlResponse:
    """A response as the saved-site server would give it (status from ``v2/_gone.json``)."""
    status, body, _ = Newsroom(SITE, state=state).respond(path)
    url = LOCAL + path
    return HtmlResponse(url=url, body=body, status=status, request=Request(url))


# ---- listing pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "target", "first", "rows", "next_url"),
    [
        ("v1", "/press-releases", SCAM_CONSULTANTS, 5, "/press-releases?page=1"),
        ("v1", "/press-releases?page=1", IMPOSTOR_SCAMS, 5, "/press-releases?page=2"),
        ("v1", "/press-releases?page=2", GUIDANCE, 4, None),
        ("v2", "/press-releases", GRANTS, 5, "/press-releases?page=1"),
        ("v2", "/press-releases?page=1", WAGE_THEFT, 5, "/press-releases?page=2"),
        ("v2", "/press-releases?page=2", GUIDANCE, 4, None),
    ],
)
def test_listing_pages(
    state: str, target: str, first: str, rows: int, next_url: str | None
) -> None:
    spider = NyAgSpider()
    requests, items = split(spider.parse_listing(saved_response(SITE, LOCAL + target, state=state)))
    releases = [r for r in requests if r.callback == spider.parse_release]
    pages = [r for r in requests if r.callback == spider.parse_listing]
    assert len(releases) == rows
    assert len({r.url for r in releases}) == rows
    assert releases[0].url == LOCAL + first
    assert all(r.url.startswith(LOCAL + "/press-release/") for r in releases)
    assert items == [ListingPage(SITE, LOCAL + target, rows, True)]
    assert [r.url for r in pages] == ([LOCAL + next_url] if next_url else [])


def test_listing_follows_real_host_links_on_the_serving_host() -> None:
    spider = NyAgSpider()
    page1 = saved_response(SITE, LOCAL + "/press-releases?page=1")
    page2 = saved_response(SITE, LOCAL + "/press-releases?page=2")
    hrefs = [e.url for e in spider.listing_entries(page1)] + [
        e.url for e in spider.listing_entries(page2)
    ]
    assert REAL + IMPOSTOR_SCAMS in hrefs  # written absolute on the page
    assert "https://www.ag.ny.gov" + GUIDANCE in hrefs
    urls = {r.url for r in split(spider.parse_listing(page1))[0]}
    urls |= {r.url for r in split(spider.parse_listing(page2))[0]}
    assert LOCAL + IMPOSTOR_SCAMS in urls
    assert LOCAL + GUIDANCE in urls
    assert not any("ag.ny.gov" in url for url in urls)


def test_listing_on_the_real_host_folds_www_onto_the_host_that_served() -> None:
    spider = NyAgSpider()
    requests, _ = split(spider.parse_listing(saved_response(SITE, REAL + "/press-releases?page=2")))
    urls = [r.url for r in requests]
    assert REAL + GUIDANCE in urls
    assert REAL + RIGHTS_GUIDE in urls  # the older URL without a year
    assert not any("www.ag.ny.gov" in url for url in urls)


def test_listing_dates_take_only_the_date_of_the_placeholder_timestamp() -> None:
    spider = NyAgSpider()
    entries = list(spider.listing_entries(saved_response(SITE, REAL + "/press-releases")))
    assert [e.published for e in entries] == [
        dt.date(2026, 2, 10),
        dt.date(2026, 1, 28),
        dt.date(2026, 1, 15),
        dt.date(2025, 12, 18),
        dt.date(2025, 12, 3),
    ]
    for target in ("/press-releases", "/press-releases?page=1", "/press-releases?page=2"):
        list(spider.parse_listing(saved_response(SITE, REAL + target)))
    assert spider.oldest_listed == dt.date(2025, 1, 16)
    assert len(spider.listed) == EXPECTED["v1"]["releases"]


def test_deleted_release_is_off_the_v2_listing_but_inside_its_window() -> None:
    spider = NyAgSpider(known={LOCAL + TAX_PREPARER: dt.date(2025, 10, 30)})
    refetched: list[str] = []
    for target in ("/press-releases", "/press-releases?page=1", "/press-releases?page=2"):
        requests, _ = split(spider.parse_listing(saved_response(SITE, LOCAL + target, state="v2")))
        refetched += [r.url for r in requests if r.callback == spider.parse_release]
    assert LOCAL + GRANTS in refetched
    assert refetched.count(LOCAL + TAX_PREPARER) == 1  # only from the known-release re-fetch
    assert refetched[-1] == LOCAL + TAX_PREPARER


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/press-releases", "?page=1"),  # not "Last »" (?page=2)
        ("/press-releases?page=1", "?page=2"),  # not "‹ Previous" or "« First" (?page=0)
        ("/press-releases?page=2", None),
    ],
)
def test_next_page_takes_the_next_item(target: str, expected: str | None) -> None:
    assert NyAgSpider().next_page(saved_response(SITE, REAL + target)) == expected


def test_next_page_falls_back_to_the_numbered_link_after_the_current_page() -> None:
    page = case_response(SITE, "pager_numbers_only.html", REAL + "/press-releases?page=1")
    assert "pager__item--next" not in page.text
    assert NyAgSpider().next_page(page) == "?page=2"


def test_truncated_listing_is_partial_and_not_followed() -> None:
    spider = NyAgSpider()
    page = case_response(SITE, "truncated_listing.html", LOCAL + "/press-releases")
    requests, items = split(spider.parse_listing(page))
    assert [r.url for r in requests] == [LOCAL + SCAM_CONSULTANTS, LOCAL + LANDLORD]
    assert ListingPage(SITE, LOCAL + "/press-releases", 2, False) in items
    problems = [i for i in items if isinstance(i, CrawlProblem)]
    assert [(p.problem, p.listing) for p in problems] == [(Problem.TRUNCATED, True)]


# ---- release pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "path", "title", "published", "starts", "ends", "paragraphs"),
    [
        (
            "v1",
            SCAM_CONSULTANTS,
            "Attorney General James Shuts Down Fake Immigration Consultants Targeting New Yorkers",
            dt.date(2026, 2, 10),
            "NEW YORK – New York Attorney General Letitia James today secured a court order",
            "call OAG’s hotline at 1-800-771-7755.",
            4,
        ),
        (
            "v1",
            POCA_DISMISSED,
            "Attorney General James Wins Dismissal of Justice Department Lawsuit Against "
            "New York’s Protect Our Courts Act",
            dt.date(2025, 12, 18),
            "NEW YORK – New York Attorney General Letitia James today won the dismissal",
            "unless a judge has signed a warrant or order authorizing the arrest.",
            4,
        ),
        (
            "v1",
            DOJ_STATEMENT,
            "Attorney General James’ Statement on Justice Department Lawsuit Against New York",
            dt.date(2025, 6, 12),
            "NEW YORK – New York Attorney General Letitia James today released the following",
            "My office will defend this law vigorously.”",
            2,
        ),
        (
            "v1",
            ICE_LETTER,
            "Attorney General James Answers ICE Letter on Immigration Detainers",
            dt.date(2025, 9, 12),
            "NEW YORK – New York Attorney General Letitia James today answered a letter from U.S. "
            "Immigration and Customs Enforcement (ICE), dated September 10,",
            "ICE sent similar letters to the attorneys general of California and Illinois.",
            4,
        ),
        (
            "v1",
            RIGHTS_GUIDE,
            "Attorney General James Releases Know Your Rights Guide for Immigrant New Yorkers",
            dt.date(2025, 1, 16),
            "NEW YORK – New York Attorney General Letitia James today released a guide",
            "It also lists free legal service providers across the state.",
            3,
        ),
        (
            "v1",
            IMPOSTOR_SCAMS,
            "Attorney General James Warns New Yorkers About Scammers Impersonating Immigration "
            "Officers",
            dt.date(2025, 11, 20),
            "NEW YORK – New York Attorney General Letitia James today issued a consumer alert",
            "report it to OAG online or by calling 1-800-771-7755.",
            8,  # 4 paragraphs + 4 list items
        ),
        (
            "v2",
            GRANTS,
            "Attorney General James Sues to Stop Federal Government from Withholding Public Safety "
            "Grants Over Immigration Conditions",
            dt.date(2026, 2, 19),
            "NEW YORK – New York Attorney General Letitia James today filed a lawsuit to stop",
            "Courts struck down similar conditions in earlier years.",
            3,
        ),
        (
            "v2",
            BIRTHRIGHT,
            "Attorney General James Leads 20-State Coalition Defending Birthright Citizenship at "
            "Supreme Court",
            dt.date(2026, 1, 15),
            "NEW YORK – New York Attorney General Letitia James today led a coalition of 20 states",
            "more than 10,000 children a year could be affected.",
            3,
        ),
        (
            "v2",
            WAGE_THEFT,
            "Attorney General James Recovers $2 Million for Workers Cheated by Construction "
            "Contractor",
            dt.date(2025, 12, 4),
            "NEW YORK – New York Attorney General Letitia James today announced",
            "contact OAG’s Labor Bureau at 212-416-8700.",
            4,
        ),
    ],
)
def test_release_fields(
    state: str,
    path: str,
    title: str,
    published: dt.date,
    starts: str,
    ends: str,
    paragraphs: int,
) -> None:
    page = release(path, state=state)
    assert page.url == REAL + path
    assert page.title == title
    assert page.published == published
    assert page.date_source == "time@datetime"
    assert page.body.startswith(starts)
    assert page.body.endswith(ends)
    assert len(page.body.split("\n\n")) == paragraphs
    assert "\n\n\n" not in page.body


@pytest.mark.parametrize("path", list(EXPECTED["v1"]["titles"]))
def test_expected_json_agrees_with_the_pages(path: str) -> None:
    page = release(path, host=LOCAL)
    assert page.url == LOCAL + path
    assert page.title == EXPECTED["v1"]["titles"][path]
    if path in EXPECTED["v1"]["published"]:
        assert page.published == dt.date.fromisoformat(EXPECTED["v1"]["published"][path])


@pytest.mark.parametrize(
    ("path", "teaser"),
    [
        (SCAM_CONSULTANTS, "Scammers Impersonating Immigration Officers"),  # related, inside
        (ICE_LETTER, "Issues Guidance to Local Law Enforcement"),  # related, inside
        (POCA_DISMISSED, "Asks Court to Dismiss Justice Department Lawsuit"),  # related, after
        (DOJ_STATEMENT, "Know Your Rights Guide"),  # related section inside .node-content
        (LANDLORD, None),  # share toolbar inside .node-content
        (IMPOSTOR_SCAMS, None),
    ],
)
def test_body_has_no_boilerplate(path: str, teaser: str | None) -> None:
    html = saved_response(SITE, REAL + path).text
    body = release(path).body
    assert body.startswith("NEW YORK – ")
    for noise in (
        "Related Press Releases",
        "Share",
        "Facebook",
        "Print",
        "Skip to main content",
        "Press Office",
        "Page last updated",
        "The Capitol",
        "Immigrants’ Rights",
    ):
        assert noise not in body
    date_line = html.split("<h3><time", 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert date_line not in body  # e.g. "February 10, 2026"
    if teaser is not None:
        assert teaser in html
        assert teaser not in body


def test_body_keeps_subheadings_and_list_items() -> None:
    body = release(GUIDANCE).body.split("\n\n")
    assert body[1] == "What the guidance covers"
    assert body[2].startswith("When officers may share information with federal agencies,")
    assert body[4] == "How the Protect Our Courts Act applies to arrests at or near courthouses."
    assert body[-1].startswith("The guidance replaces the version OAG issued in 2017")


def test_date_from_visible_text_when_datetime_is_missing() -> None:
    page = case_response(SITE, "no_datetime.html", REAL + RIGHTS_GUIDE)
    fields = NyAgSpider().release_fields(page)
    assert fields.published == dt.date(2025, 1, 16)
    assert fields.date_source == "text .node-content h3 time"


def test_release_without_a_date_still_yields_title_and_body() -> None:
    page = case_response(SITE, "no_date.html", REAL + DOJ_STATEMENT)
    _, items = split(NyAgSpider().parse_release(page))
    assert len(items) == 1 and isinstance(items[0], ReleasePage)
    assert items[0].published is None
    assert items[0].date_source == ""
    assert items[0].body.startswith("NEW YORK – ")
    assert "June 12, 2025" not in items[0].body


def test_title_falls_back_to_og_title() -> None:
    page = case_response(SITE, "og_title_only.html", REAL + BIRTHRIGHT)
    assert page.css("article.node h1").get() is None
    fields = NyAgSpider().release_fields(page)
    assert (
        fields.title
        == "Attorney General James Leads Multistate Coalition Defending Birthright Citizenship"
    )
    assert fields.published == dt.date(2026, 1, 15)


def test_windows_1252_page_keeps_curly_apostrophes_and_dashes() -> None:
    page = case_response(SITE, "windows1252.html", REAL + POCA_DISMISSED)
    assert b"New York\x92s" in page.body
    fields = NyAgSpider().release_fields(page)
    assert fields.title.endswith("Against New York’s Protect Our Courts Act")
    assert fields.body.startswith("NEW YORK – New York Attorney General")
    assert fields.body == release(POCA_DISMISSED).body


# ---- block pages, gone pages, truncated pages ----------------------------------------------


@pytest.mark.parametrize("status", [403, 200])
def test_block_page_is_a_blocked_problem(status: int) -> None:
    spider = NyAgSpider()
    listing = saved_response(SITE, REAL + "/_blocked", status=status)
    requests, items = split(spider.parse_listing(listing))
    assert requests == []
    assert [(type(i), i.problem, i.listing) for i in items] == [
        (CrawlProblem, Problem.BLOCKED, True)
    ]
    _, items = split(spider.parse_release(saved_response(SITE, REAL + "/_blocked", status=status)))
    assert [(type(i), i.problem, i.listing) for i in items] == [
        (CrawlProblem, Problem.BLOCKED, False)
    ]


def test_missing_release_is_gone() -> None:
    page = saved_response(SITE, REAL + "/_404", status=404)
    assert list(NyAgSpider().parse_release(page)) == [ReleaseGone(SITE, REAL + "/_404", 404)]


def test_deleted_release_answers_410_in_v2() -> None:
    assert respond("v1", TAX_PREPARER).status == 200
    gone = respond("v2", TAX_PREPARER)
    assert list(NyAgSpider().parse_release(gone)) == [ReleaseGone(SITE, LOCAL + TAX_PREPARER, 410)]


def test_soft_404_is_gone() -> None:
    page = case_response(SITE, "soft_404.html", REAL + "/press-release/2025/no-such-release")
    items = list(NyAgSpider().parse_release(page))
    assert items == [ReleaseGone(SITE, REAL + "/press-release/2025/no-such-release", 200)]


def test_truncated_release_is_a_truncated_problem() -> None:
    page = case_response(SITE, "truncated_release.html", REAL + SCAM_CONSULTANTS)
    items = list(NyAgSpider().parse_release(page))
    assert [(type(i), i.problem) for i in items] == [(CrawlProblem, Problem.TRUNCATED)]


# ---- v1 -> v2 ------------------------------------------------------------------------------


def digest(page: ReleasePage) -> str:
    return content_hash(page.title, page.published, page.body)


def test_noise_only_rerender_keeps_title_date_and_body() -> None:
    old, new = release(FEDERAL_THREATS), release(FEDERAL_THREATS, state="v2")
    assert old.html != new.html
    assert old.body != new.body  # straight quotes became curly, as a reader would not notice
    assert "Page last updated: February 20, 2026" in new.html.decode()
    assert (old.title, old.published) == (new.title, new.published)
    assert digest(old) == digest(new)


@pytest.mark.parametrize(("path", "fields"), list(EXPECTED["v2"]["edited"].items()))
def test_v2_edits_change_exactly_the_named_field(path: str, fields: list[str]) -> None:
    old, new = release(path), release(path, state="v2")
    changed = [
        name for name in ("title", "published", "body") if getattr(old, name) != getattr(new, name)
    ]
    assert changed == fields
    assert digest(old) != digest(new)
