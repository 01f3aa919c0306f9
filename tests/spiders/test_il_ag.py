"""Illinois Attorney General spider: callbacks on the saved pages, offline."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import scrapy
from protego import Protego
from scrapy.http import HtmlResponse, Request

from monitor.normalize import content_hash
from spiders.il_ag import IlAgSpider
from spiders.items import CrawlProblem, ListingPage, Problem, ReleaseGone, ReleasePage
from tests.newsrooms import DATA, case_response, gone_paths, saved_response

SITE = "il_ag"
LOCAL = "http://127.0.0.1:8000"
REAL = "https://illinoisattorneygeneral.gov"
EXPECTED = json.loads((DATA / SITE / "expected.json").read_text())

COURTHOUSE = "/news/story/raoul-leads-coalition-challenging-immigration-arrests-at-courthouses"
SEVENTH = "/news/story/raoul-7th-circuit-upholds-illinois-way-forward-act"
SCAMS = "/news/story/attorney-general-raoul-warns-consumers-about-immigration-services-scams"
LENDER = "/news/story/raoul-secures-settlement-with-online-lender"
GUIDANCE = "/news/story/raoul-issues-guidance-to-law-enforcement-on-illinois-trust-act"
ARGUMENT = "/news/story/raoul-statement-on-oral-argument-in-us-v-illinois-appeal"
GRANTS = (
    "/news/story/raoul-files-lawsuit-challenging-immigration-conditions-on-public-safety-grants"
)
FOLLOWUP = "/news/story/attorney-general-raoul-responds-to-ice-follow-up-letter"
NOTICE = "/news/story/raoul-illinois-will-not-be-bullied-into-abandoning-the-trust-act"
ANSWER = "/news/story/attorney-general-raoul-answers-ice-letter-on-immigration-detainers"
MEDICAID = "/news/story/raoul-joins-coalition-suing-over-transfer-of-medicaid-data"
DEBT = "/news/story/raoul-reaches-settlement-with-debt-collector-over-harassing-calls"
DOJ = "/news/story/raoul-statement-on-doj-lawsuit-against-illinois-immigration-laws"
LICENSES = "/news/story/raoul-sues-over-federal-demand-for-state-drivers-license-data"

V1_STORIES = sorted(
    "/news/story/" + p.stem for p in (DATA / SITE / "v1" / "news" / "story").glob("*.html")
)
BOILERPLATE = (
    "Share:",
    "Facebook",
    "Return to News Room",
    "Recent Press Releases",
    "Press Office",
    "press@ilag.gov",
    "115 S. LaSalle",
    "Page last updated",
    "Skip to main content",
    "File a complaint online",
    "Illinois Attorney General",
)


def listing(root: str = LOCAL, *, state: str = "v1") -> HtmlResponse:
    return saved_response(SITE, root + "/News-Room/", state=state)


def crawl_listing(root: str = LOCAL, *, state: str = "v1") -> tuple[IlAgSpider, list[Any]]:
    spider = IlAgSpider()
    return spider, list(spider.parse_listing(listing(root, state=state)))


def requests_to(output: list[Any], callback: str) -> list[str]:
    return [
        r.url
        for r in output
        if isinstance(r, scrapy.Request) and getattr(r.callback, "__name__", "") == callback
    ]


def release_requests(output: list[Any]) -> list[str]:
    return requests_to(output, "parse_release")


def release(path: str, *, root: str = LOCAL, state: str = "v1") -> ReleasePage:
    out = list(IlAgSpider().parse_release(saved_response(SITE, root + path, state=state)))
    assert len(out) == 1 and isinstance(out[0], ReleasePage), out
    return out[0]


def moved(response: HtmlResponse, url: str) -> HtmlResponse:
    """The same page as if it had answered a request for ``url``."""
    return response.replace(url=url, request=Request(url))


# ---- listing ----------------------------------------------------------------------------------


def test_listing_requests_each_release_once_although_the_aside_repeats_them() -> None:
    spider, out = crawl_listing()
    entries = list(spider.listing_entries(listing()))
    urls = release_requests(out)
    assert len(entries) == 14 + 5  # every release once in its year group, the newest 5 again
    assert len(urls) == len(set(urls)) == EXPECTED["v1"]["releases"] == 14
    assert sorted(u.removeprefix(LOCAL) for u in urls) == V1_STORIES
    pages = [item for item in out if isinstance(item, ListingPage)]
    assert pages == [ListingPage("il_ag", LOCAL + "/News-Room/", 14, True)]
    assert not [item for item in out if isinstance(item, CrawlProblem)]


def test_listing_has_one_page_only() -> None:
    spider, out = crawl_listing()
    assert spider.next_page(listing()) is None
    assert not requests_to(out, "parse_listing")
    assert EXPECTED["v1"]["listing_pages"] == 1


def test_listing_skips_promo_tiles_with_the_row_markup() -> None:
    response = listing()
    assert response.css('a.news-item[href^="/Safer-Communities/"]')  # the trap is there
    hrefs = [e.url for e in IlAgSpider().listing_entries(response)]
    assert hrefs and all("/news/story/" in h for h in hrefs)


@pytest.mark.parametrize("root", [LOCAL, REAL, "https://www.illinoisattorneygeneral.gov"])
def test_listing_follows_links_on_the_serving_host(root: str) -> None:
    raw = [e.url for e in IlAgSpider().listing_entries(listing(root))]
    assert "https://www.illinoisattorneygeneral.gov" + SEVENTH in raw  # absolute in the page
    assert REAL + MEDICAID in raw
    urls = release_requests(crawl_listing(root)[1])
    assert root + SEVENTH in urls and root + MEDICAID in urls
    assert all(u.startswith(root + "/news/story/") for u in urls)


@pytest.mark.parametrize(
    ("path", "published"),
    [
        (COURTHOUSE, dt.date(2026, 5, 1)),  # time@datetime "2026-05-01 2:00 PM"
        (NOTICE, dt.date(2025, 9, 22)),  # "2025-09-22 11:45 PM": local time, no shift to UTC
        (ARGUMENT, dt.date(2025, 12, 9)),
        (DOJ, dt.date(2025, 2, 6)),  # no <time>: visible text "February 06, 2025"
    ],
)
def test_listing_dates(path: str, published: dt.date) -> None:
    entries = {e.url: e.published for e in IlAgSpider().listing_entries(listing())}
    assert entries[path] == published


def test_listing_dates_from_the_non_iso_datetime_attribute() -> None:
    row = listing().css(f'a[href="{COURTHOUSE}"]')
    assert row.css("time::attr(datetime)").get() == "2026-05-01 2:00 PM"
    assert row.css("time::text").get() == "May 01, 2026"


def test_aside_rows_carry_dates_as_text_only() -> None:
    response = listing()
    aside = response.css("aside.news-aside a.news-item")
    assert len(aside) == 5
    assert not aside.css("time")
    spider = IlAgSpider()
    entries = list(spider.listing_entries(response))
    assert [e.url for e in entries[-5:]] == [a.attrib["href"] for a in aside]
    assert entries[-5].published == dt.date(2026, 5, 1)  # parsed from "May 01, 2026"
    assert entries[-1].published == dt.date(2026, 1, 20)


def test_oldest_listed_date_is_the_oldest_row() -> None:
    spider, _ = crawl_listing()
    assert spider.oldest_listed == dt.date(2025, 2, 6)


def test_v2_listing_new_release_on_top_and_deleted_one_gone_from_both_places() -> None:
    response = listing(state="v2")
    main = [a.attrib["href"] for a in response.css("section.news-year a.news-item")]
    aside = [a.attrib["href"] for a in response.css("aside.news-aside a.news-item")]
    assert main[0] == aside[0] == LICENSES
    assert LENDER not in main and LENDER not in aside
    assert GUIDANCE in aside  # moved up into the aside's five once the lender story went
    urls = release_requests(crawl_listing(state="v2")[1])
    assert len(urls) == len(set(urls)) == 14
    entries = {e.url: e.published for e in IlAgSpider().listing_entries(response)}
    assert entries[GRANTS] == dt.date(2025, 10, 23)
    assert entries[LICENSES] == dt.date(2026, 5, 12)


# ---- release pages ----------------------------------------------------------------------------

RELEASES = [
    # state, path, title, published, body starts, body ends, paragraphs
    (
        "v1",
        SEVENTH,
        "RAOUL: 7th CIRCUIT UPHOLDS ILLINOIS WAY FORWARD ACT",
        dt.date(2026, 4, 14),
        "CHICAGO — Attorney General Kwame Raoul today applauded",
        "to federal civil immigration enforcement.",
        3,
    ),
    (
        "v1",
        ARGUMENT,
        "RAOUL STATEMENT ON ORAL ARGUMENT IN U.S. v. ILLINOIS APPEAL",
        dt.date(2025, 12, 9),
        "CHICAGO — Attorney General Kwame Raoul today issued the following",
        "under the 10th Amendment.",
        3,
    ),
    (
        "v1",
        FOLLOWUP,
        "ATTORNEY GENERAL RAOUL RESPONDS TO ICE FOLLOW-UP LETTER ON DETAINERS",
        dt.date(2025, 9, 29),
        "CHICAGO — Attorney General Kwame Raoul today sent a second letter",
        "A copy of the letter is available here.",
        4,
    ),
    (
        "v1",
        ANSWER,
        "ATTORNEY GENERAL RAOUL ANSWERS ICE LETTER ON IMMIGRATION DETAINERS",
        dt.date(2025, 9, 17),
        "CHICAGO — Attorney General Kwame Raoul today responded to a Sept. 10",
        "for federal civil immigration violations.",
        4,
    ),
    (
        "v1",
        SCAMS,
        "ATTORNEY GENERAL RAOUL WARNS CONSUMERS ABOUT IMMIGRATION SERVICES SCAMS",
        dt.date(2026, 3, 3),
        "SPRINGFIELD — Attorney General Kwame Raoul today warned",
        "or 1-866-310-8398 (Spanish).",
        4,
    ),
    (
        "v1",
        DEBT,
        "RAOUL REACHES SETTLEMENT WITH DEBT COLLECTOR OVER HARASSING CALLS",
        dt.date(2025, 3, 18),
        "SPRINGFIELD — Attorney General Kwame Raoul today announced",
        'must follow the law like everyone else."',
        3,
    ),  # <div> paragraphs with &nbsp; spacers
    (
        "v1",
        DOJ,
        "RAOUL STATEMENT ON DOJ LAWSUIT AGAINST ILLINOIS IMMIGRATION LAWS",
        dt.date(2025, 2, 6),
        "CHICAGO — Attorney General Kwame Raoul today issued the following",
        'vigorously defend the law in court."',
        2,
    ),  # one <p> split by <br><br>
    (
        "v2",
        LICENSES,
        "ATTORNEY GENERAL RAOUL SUES OVER FEDERAL DEMAND FOR STATE DRIVER'S LICENSE DATA",
        dt.date(2026, 5, 12),
        "CHICAGO — Attorney General Kwame Raoul today filed a lawsuit",
        '"Illinois will keep that promise."',
        3,
    ),
]


@pytest.mark.parametrize(
    ("state", "path", "title", "published", "starts", "ends", "paragraphs"), RELEASES
)
def test_release_fields(
    state: str, path: str, title: str, published: dt.date, starts: str, ends: str, paragraphs: int
) -> None:
    page = release(path, state=state)
    assert page.title == title
    assert page.published == published
    assert page.date_source == "text .news-header"
    assert page.body.startswith(starts)
    assert page.body.endswith(ends)
    assert len(page.body.split("\n\n")) == paragraphs
    assert page.url == LOCAL + path


def test_release_on_the_real_host_keeps_its_url() -> None:
    page = release(MEDICAID, root=REAL)
    assert page.url == REAL + MEDICAID
    assert page.title.startswith("RAOUL JOINS COALITION SUING OVER TRANSFER OF MEDICAID DATA")


@pytest.mark.parametrize("path", V1_STORIES)
def test_bodies_are_clean(path: str) -> None:
    page = release(path)
    assert re.match(r"^(CHICAGO|SPRINGFIELD) — [A-Z]", page.body), page.body[:40]
    for text in BOILERPLATE:
        assert text not in page.body, text
    assert "\n\n\n" not in page.body and "  " not in page.body
    assert page.title == page.title.strip() and page.title not in page.body
    assert page.published is not None
    assert EXPECTED["v1"]["titles"].get(path, page.title) == page.title
    assert EXPECTED["v1"]["published"].get(path, page.published.isoformat()) == (
        page.published.isoformat()
    )


def test_date_is_the_header_date_not_a_sidebar_date() -> None:
    response = saved_response(SITE, LOCAL + SEVENTH)
    sidebar_dates = response.css(".sidebar .recent-press .date::text").getall()
    assert sidebar_dates and "April 14, 2026" not in sidebar_dates
    fields = IlAgSpider().release_fields(response)
    assert fields.published == dt.date(2026, 4, 14)


# ---- odd pages --------------------------------------------------------------------------------


def test_missing_date_gives_none() -> None:
    response = case_response(SITE, "missing_date.html", LOCAL + "/news/story/no-date")
    fields = IlAgSpider().release_fields(response)
    assert fields.published is None and fields.date_source == ""
    assert fields.title == "RAOUL REMINDS RESIDENTS OF THEIR RIGHTS UNDER THE ILLINOIS TRUST ACT"
    assert fields.body.startswith("CHICAGO — ")


def test_title_falls_back_to_og_title() -> None:
    response = case_response(SITE, "og_title_only.html", REAL + MEDICAID)
    assert not response.css(".news-header h2")
    fields = IlAgSpider().release_fields(response)
    assert fields.title == (
        "RAOUL JOINS COALITION SUING OVER TRANSFER OF MEDICAID DATA TO IMMIGRATION AUTHORITIES"
    )
    assert fields.published == dt.date(2025, 8, 5)
    assert "News Room" not in fields.title


def test_windows_1252_page_decodes() -> None:
    response = case_response(SITE, "windows1252.html", LOCAL + DEBT)
    assert b"\x97" in response.body and b"\x93" in response.body
    fields = IlAgSpider().release_fields(response)
    assert fields.body.startswith("SPRINGFIELD — Attorney General")
    assert "\u201cOwing money is not a crime" in fields.body
    assert "\ufffd" not in fields.body


@pytest.mark.parametrize("status", [403, 200])
def test_block_page_is_a_problem(status: int) -> None:
    blocked = saved_response(SITE, LOCAL + "/_blocked", status=status)
    spider = IlAgSpider()
    out = list(spider.parse_listing(moved(blocked, LOCAL + "/News-Room/")))
    problems = [item for item in out if isinstance(item, CrawlProblem)]
    assert [(p.problem, p.listing) for p in problems] == [(Problem.BLOCKED, True)]
    assert not release_requests(out)
    out = list(spider.parse_release(moved(blocked, REAL + SCAMS)))
    assert [(p.problem, p.listing) for p in out if isinstance(p, CrawlProblem)] == [
        (Problem.BLOCKED, False)
    ]


def test_not_found_is_gone() -> None:
    not_found = saved_response(SITE, LOCAL + "/_404", status=404)
    out = list(IlAgSpider().parse_release(moved(not_found, LOCAL + LENDER)))
    assert out == [ReleaseGone("il_ag", LOCAL + LENDER, 404)]


def test_soft_404_is_gone() -> None:
    response = case_response(SITE, "soft_404.html", LOCAL + "/news/story/no-such-story")
    out = list(IlAgSpider().parse_release(response))
    assert out == [ReleaseGone("il_ag", LOCAL + "/news/story/no-such-story", 200)]


def test_truncated_listing() -> None:
    response = case_response(SITE, "truncated_listing.html", LOCAL + "/News-Room/")
    spider = IlAgSpider()
    out = list(spider.parse_listing(response))
    problems = [(p.problem, p.listing) for p in out if isinstance(p, CrawlProblem)]
    assert problems == [(Problem.TRUNCATED, True)]
    pages = [p for p in out if isinstance(p, ListingPage)]
    assert len(pages) == 1 and pages[0].complete is False
    # the page is cut inside the fifth row's href: that row must not become a bogus request
    assert release_requests(out) == [LOCAL + p for p in (COURTHOUSE, SEVENTH, SCAMS, LENDER)]
    assert not requests_to(out, "parse_listing")


def test_truncated_release() -> None:
    response = case_response(SITE, "truncated_release.html", LOCAL + NOTICE)
    out = list(IlAgSpider().parse_release(response))
    assert [(p.problem, p.listing) for p in out if isinstance(p, CrawlProblem)] == [
        (Problem.TRUNCATED, False)
    ]
    assert not [p for p in out if isinstance(p, ReleasePage)]


def test_robots_allows_the_newsroom() -> None:
    robots = Protego.parse((DATA / SITE / "v1" / "robots.txt").read_text())
    assert robots.can_fetch(REAL + "/News-Room/", "press-monitor")
    assert robots.can_fetch(REAL + SCAMS, "press-monitor")
    assert not robots.can_fetch(REAL + "/admin/", "press-monitor")


# ---- v2 ---------------------------------------------------------------------------------------


def _hash(page: ReleasePage) -> str:
    return content_hash(page.title, page.published, page.body)


def test_noise_only_rerender_keeps_title_date_and_body() -> None:
    assert EXPECTED["v2"]["noise"] == [ANSWER]
    old, new = release(ANSWER), release(ANSWER, state="v2")
    assert old.html != new.html
    assert '"' in old.body and "\u201c" in new.body  # quotes turned curly
    assert (new.title, new.published) == (old.title, old.published)
    assert _hash(new) == _hash(old)


@pytest.mark.parametrize(
    ("path", "field", "before", "after"),
    [
        (SCAMS, "body", None, "does not ask about the immigration status"),
        (GRANTS, "published", dt.date(2025, 10, 22), dt.date(2025, 10, 23)),
        (
            DEBT,
            "title",
            "RAOUL REACHES SETTLEMENT WITH DEBT COLLECTOR OVER HARASSING CALLS",
            "RAOUL REACHES $350,000 SETTLEMENT WITH DEBT COLLECTOR OVER HARASSING CALLS",
        ),
    ],
)
def test_v2_edits_change_one_field(path: str, field: str, before: Any, after: Any) -> None:
    assert EXPECTED["v2"]["edited"][path] == [field]
    old, new = release(path), release(path, state="v2")
    changed = [f for f in ("title", "published", "body") if getattr(old, f) != getattr(new, f)]
    assert changed == [field]
    if field == "body":
        assert after in new.body and after not in old.body
    else:
        assert (getattr(old, field), getattr(new, field)) == (before, after)
    assert _hash(old) != _hash(new)


def test_v2_deletion_answers_404_and_is_not_older_than_the_listing() -> None:
    assert EXPECTED["v2"]["removed"] == [LENDER]
    assert gone_paths(DATA / SITE, "v2") == {LENDER: 404}
    spider, _ = crawl_listing(state="v2")
    published = release(LENDER).published
    assert spider.oldest_listed is not None and published is not None
    assert published >= spider.oldest_listed
    assert EXPECTED["v2"]["new"] == [LICENSES]
