"""Callback tests for the California Attorney General spider, on saved pages (no network)."""

# The pages use en dashes and curly quotes; the expected strings quote them as a reader sees them.

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request

from monitor.normalize import content_hash
from spiders import spider_class
from spiders.ca_ag import CaAgSpider, cut_end_marker
from spiders.items import CrawlProblem, ListingPage, Problem, ReleaseGone, ReleasePage
from tests.newsrooms import DATA, case_response, saved_response

SITE = "ca_ag"
LOCAL = "http://127.0.0.1:8000"
REAL = "https://oag.ca.gov"
PRE = "/news/press-releases/"
EXPECTED = json.loads((DATA / SITE / "expected.json").read_text())

SETTLEMENT = PRE + (
    "attorney-general-bonta-secures-42-million-settlement-online-lender-over-hidden-fees"
)
SPANISH = PRE + (
    "el-fiscal-general-bonta-reafirma-las-protecciones-de-la-ley-de-valores-de-california-tras-las"
)
REAFFIRMS = PRE + (
    "attorney-general-bonta-reaffirms-california-values-act-protections-following-federal-detainer"
)
GUIDANCE = PRE + (
    "attorney-general-bonta-issues-updated-guidance-local-law-enforcement-immigration-detainer"
)
COMMENTS = PRE + "attorney-general-bonta-comments-federal-letter-concerning-immigration-detainers"
ALERT = PRE + "attorney-general-bonta-issues-consumer-alert-immigration-consultant-fraud"
ALERT_DUP = ALERT + "-0"
AMICUS = PRE + (
    "attorney-general-bonta-files-amicus-brief-supporting-los-angeles-challenge-sanctuary-ordinance"
)
ARREST = PRE + (
    "attorney-general-bonta-announces-arrest-unlicensed-immigration-consultant-fresno-county"
)
GRANTS = PRE + (
    "attorney-general-bonta-joins-coalition-challenging-immigration-enforcement-conditions-public"
)
WORKERS = PRE + (
    "attorney-general-bonta-issues-know-your-rights-guidance-workers-during-immigration-enforcement"
)
DEBT = PRE + "attorney-general-bonta-sues-debt-collector-threatening-immigrant-families-deportation"
NEW = PRE + (
    "attorney-general-bonta-applauds-court-decision-dismissing-federal-challenge-los-angeles-"
    "sanctuary"
)


def run(callback: Any, response: HtmlResponse) -> list[Any]:
    return list(callback(response))


def release(path: str, *, state: str = "v1", host: str = REAL) -> ReleasePage:
    items = run(CaAgSpider().parse_release, saved_response(SITE, host + path, state=state))
    assert len(items) == 1 and isinstance(items[0], ReleasePage), items
    page: ReleasePage = items[0]
    return page


def case_release(name: str, url: str = REAL + PRE + "case") -> list[Any]:
    return run(CaAgSpider().parse_release, case_response(SITE, name, url))


def listing(url: str, *, state: str = "v1") -> tuple[list[str], list[Any], list[str]]:
    """(release URLs, other items, next listing URLs) of one listing page."""
    releases: list[str] = []
    others: list[Any] = []
    following: list[str] = []
    for item in run(CaAgSpider().parse_listing, saved_response(SITE, url, state=state)):
        if isinstance(item, scrapy.Request):
            target = following if is_listing_request(item) else releases
            target.append(item.url)
        else:
            others.append(item)
    return releases, others, following


def is_listing_request(request: scrapy.Request) -> bool:
    return getattr(request.callback, "__name__", "") == "parse_listing"


def saved_page(name: str, url: str, status: int) -> HtmlResponse:
    body = (DATA / SITE / "v1" / name).read_bytes()
    return HtmlResponse(url=url, body=body, status=status, request=Request(url))


# ---- the spider --------------------------------------------------------------------------------


def test_registered_with_real_host() -> None:
    assert spider_class("ca_ag") is CaAgSpider
    assert CaAgSpider.name == "ca_ag"
    assert CaAgSpider.hosts == ("oag.ca.gov",)
    assert CaAgSpider.default_start_urls == ("https://oag.ca.gov/media/news",)
    assert EXPECTED["start_urls"] == ["/media/news"]


# ---- listing pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "query", "rows", "next_url", "first"),
    [
        ("v1", "", 5, LOCAL + "/media/news?page=1", SETTLEMENT),
        ("v1", "?page=1", 5, LOCAL + "/media/news?page=2", ALERT_DUP),
        ("v1", "?page=2", 4, None, DEBT),
        ("v2", "", 5, LOCAL + "/media/news?page=1", NEW),
        ("v2", "?page=1", 5, LOCAL + "/media/news?page=2", COMMENTS),
    ],
)
def test_listing_pages(state: str, query: str, rows: int, next_url: str | None, first: str) -> None:
    urls, others, following = listing(LOCAL + "/media/news" + query, state=state)
    assert len(urls) == rows == len(set(urls))
    assert urls[0] == LOCAL + first
    assert all(url.startswith(LOCAL + PRE) for url in urls)
    assert others == [ListingPage(SITE, LOCAL + "/media/news" + query, rows, True)]
    assert following == ([next_url] if next_url else [])


def test_listing_rebases_links_written_with_the_real_host() -> None:
    raw = (DATA / SITE / "v1" / "media" / "news.html").read_text()
    assert f'href="{REAL}{COMMENTS}"' in raw  # the page really links the production host
    urls, _, _ = listing(LOCAL + "/media/news")
    assert LOCAL + COMMENTS in urls
    urls, _, _ = listing(LOCAL + "/media/news?page=1")
    assert LOCAL + GRANTS in urls
    assert not any("oag.ca.gov" in url for url in urls)


def test_listing_on_the_real_host_last_page() -> None:
    urls, others, following = listing(REAL + "/media/news?page=2")
    assert len(urls) == 4
    assert all(url.startswith(REAL + PRE) for url in urls)
    assert REAL + ALERT in urls
    assert following == []
    assert others == [ListingPage(SITE, REAL + "/media/news?page=2", 4, True)]


def test_listing_skips_the_sidebar_view() -> None:
    response = saved_response(SITE, LOCAL + "/media/news")
    sidebar = response.css("aside .views-row .views-field-title a::attr(href)").getall()
    assert "/consumers/general/immigration-services-fraud" in sidebar  # the trap is on the page
    urls, _, _ = listing(LOCAL + "/media/news")
    assert not any("/consumers/" in url for url in urls)


def test_listing_dates_from_content_and_from_text() -> None:
    response = saved_response(SITE, LOCAL + "/media/news?page=1", state="v2")
    dates = [entry.published for entry in CaAgSpider().listing_entries(response)]
    expected = [
        dt.date(2025, 9, 12),
        dt.date(2025, 9, 5),
        dt.date(2025, 8, 29),
        dt.date(2025, 7, 30),
        dt.date(2025, 7, 10),
    ]
    assert dates == expected
    # without the ISO attribute the visible "September 12, 2025" text still gives the date
    stripped = re.sub(rb' content="[^"]*"', b"", response.body)
    assert b"2025-09-12T00:00:00-07:00" in response.body and b"2025-09-12T" not in stripped
    text_only = response.replace(body=stripped)
    assert [entry.published for entry in CaAgSpider().listing_entries(text_only)] == expected


# ---- release pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "path", "title", "published", "starts", "ends"),
    [
        (
            "v1",
            SETTLEMENT,
            "Attorney General Bonta Secures $4.2 Million Settlement with Online Lender Over Hidden "
            "Fees",
            dt.date(2025, 10, 2),
            'Lender charged borrowers undisclosed "processing"',
            "A copy of the stipulated judgment is available here.",
        ),
        (
            "v1",
            SPANISH,
            "El Fiscal General Bonta reafirma las protecciones de la Ley de Valores de California "
            "tras las cartas federales sobre órdenes de retención",
            dt.date(2025, 9, 23),
            "Recuerda a las agencias del orden público",
            "disponible en oag.ca.gov/immigrant.",
        ),
        (
            "v1",
            REAFFIRMS,
            "Attorney General Bonta Reaffirms California Values Act Protections Following Federal "
            "Detainer Letters",
            dt.date(2025, 9, 22),
            "Reminds law enforcement agencies that an immigration detainer is not a judicial",
            "updated guidance for local agencies at oag.ca.gov/immigrant.",
        ),
        (
            "v1",
            ALERT,
            "Attorney General Bonta Issues Consumer Alert on Immigration Consultant Fraud",
            dt.date(2025, 3, 13),
            "SACRAMENTO – California Attorney General Rob Bonta today warned Californians",
            "report fraud at oag.ca.gov/report.",
        ),
        (
            "v1",
            ALERT_DUP,
            "Attorney General Bonta Issues Consumer Alert on Immigration Consultant Fraud",
            dt.date(2025, 9, 5),
            "Warns that scammers are using fear of enforcement actions",
            "file a complaint at oag.ca.gov/report.",
        ),
        (
            "v1",
            WORKERS,
            "Attorney General Bonta Issues Know-Your-Rights Guidance for Workers During "
            "Immigration Enforcement at Worksites",
            dt.date(2025, 7, 10),
            "LOS ANGELES – California Attorney General Rob Bonta today released guidance",
            "Tagalog and Vietnamese at oag.ca.gov/immigrant/workplace.",
        ),
        (
            "v2",
            NEW,
            "Attorney General Bonta Applauds Court Decision Dismissing Federal Challenge to Los "
            "Angeles Sanctuary Ordinance",
            dt.date(2026, 1, 8),
            "SACRAMENTO – California Attorney General Rob Bonta today applauded",
            "support local governments that follow state law.",
        ),
    ],
)
def test_release_fields(
    state: str, path: str, title: str, published: dt.date, starts: str, ends: str
) -> None:
    page = release(path, state=state)
    assert page.title == title
    assert page.published == published
    assert page.date_source == "dc:date@content"
    assert page.body.startswith(starts)
    assert page.body.endswith(ends)
    assert page.url == REAL + path


V1_RELEASES = sorted(
    "/" + str(path.relative_to(DATA / SITE / "v1")).removesuffix(".html")
    for path in (DATA / SITE / "v1" / "news" / "press-releases").glob("*.html")
)
BOILERPLATE = (
    "# # #",
    "###",
    "agpressoffice",
    "Contact:",
    "(916) 210-6000",
    "Recent News",
    "Share",
    "Back to Top",
    "Copyright",
    "Press Office",
    "Consumer Alerts",
    "Skip to main content",
    "Privacy Policy",
)


@pytest.mark.parametrize("path", V1_RELEASES)
def test_release_body_has_no_boilerplate(path: str) -> None:
    page = release(path, host=LOCAL)
    assert page.url == LOCAL + path
    for text in BOILERPLATE:
        assert text not in page.body, text
    paragraphs = page.body.split("\n\n")
    assert len(paragraphs) >= 3
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert page.title not in page.body


def test_br_separated_lines_are_paragraphs() -> None:
    raw = saved_response(SITE, REAL + WORKERS).text
    assert "worksite.<br>\nUnder California law" in raw  # one <p>, lines split by single <br>
    paragraphs = release(WORKERS).body.split("\n\n")
    assert paragraphs[1] == (
        "Under California law, employers may not voluntarily allow immigration agents into "
        "nonpublic areas of a workplace without a judicial warrant."
    )
    assert paragraphs[2].startswith("Employers must also notify employees within 72 hours")
    assert len(paragraphs) == 5


def test_nbsp_spacer_paragraph_is_dropped() -> None:
    raw = saved_response(SITE, REAL + SETTLEMENT).text
    assert "<p>&nbsp;</p>" in raw
    body = release(SETTLEMENT).body
    assert "\n\n\n" not in body and "\xa0" not in body
    assert body.split("\n\n")[-2].startswith("Borrowers eligible for a refund")


def test_spanish_translation_is_its_own_release() -> None:
    english, spanish = release(REAFFIRMS), release(SPANISH)
    assert english.url != spanish.url
    assert (english.published, spanish.published) == (dt.date(2025, 9, 22), dt.date(2025, 9, 23))
    assert "Fiscal General" in spanish.body and "Fiscal General" not in english.body


def test_duplicate_title_gets_a_dash_zero_slug() -> None:
    first, second = release(ALERT), release(ALERT_DUP)
    assert first.title == second.title
    assert first.published != second.published and first.body != second.body
    pages = ("/media/news", "/media/news?page=1", "/media/news?page=2")
    urls = [url for query in pages for url in listing(LOCAL + query)[0]]
    assert LOCAL + ALERT in urls and LOCAL + ALERT_DUP in urls


# ---- the later state ---------------------------------------------------------------------------


def meta(path: str, state: str, prop: str) -> str | None:
    response = saved_response(SITE, REAL + path, state=state)
    value: str | None = response.css(f'meta[property="{prop}"]::attr(content)').get()
    return value


def test_v2_edited_title() -> None:
    old, new = release(SETTLEMENT), release(SETTLEMENT, state="v2")
    assert new.title == (
        "Attorney General Bonta Secures $4.2 Million Settlement with Online Installment Lender "
        "Over Hidden Fees"
    )
    assert (old.published, old.body) == (new.published, new.body)
    assert old.title != new.title


def test_v2_redated_release_reads_the_release_date_not_the_node_dates() -> None:
    old, new = release(AMICUS), release(AMICUS, state="v2")
    assert (old.published, new.published) == (dt.date(2025, 8, 28), dt.date(2025, 8, 29))
    assert (old.title, old.body) == (new.title, new.body)
    # the node's creation stamp did not move; only the release-date field did
    assert meta(AMICUS, "v1", "article:published_time") == meta(
        AMICUS, "v2", "article:published_time"
    )


def test_v2_edited_body() -> None:
    old, new = release(GUIDANCE), release(GUIDANCE, state="v2")
    added = "The Department of Justice will hold two online training sessions on the bulletin"
    assert added not in old.body and added in new.body
    assert (old.title, old.published) == (new.title, new.published)


def test_v2_noise_only_rerender_keeps_the_release() -> None:
    old, new = release(REAFFIRMS), release(REAFFIRMS, state="v2")
    assert old.html != new.html
    assert meta(REAFFIRMS, "v1", "article:modified_time") != meta(
        REAFFIRMS, "v2", "article:modified_time"
    )
    assert "“on notice.”" in new.body and '"on notice."' in old.body  # curly quotes only
    assert (old.title, old.published) == (new.title, new.published)
    assert old.body.count("\n\n") == new.body.count("\n\n")
    assert content_hash(old.title, old.published, old.body) == content_hash(
        new.title, new.published, new.body
    )
    # and a real edit is not folded away
    edited = release(GUIDANCE, state="v2")
    original = release(GUIDANCE)
    assert content_hash(original.title, original.published, original.body) != content_hash(
        edited.title, edited.published, edited.body
    )


def test_v2_listing_and_deletion() -> None:
    pages = ("/media/news", "/media/news?page=1", "/media/news?page=2")
    v2_urls = [url for query in pages for url in listing(LOCAL + query, state="v2")[0]]
    v1_urls = [url for query in pages for url in listing(LOCAL + query)[0]]
    assert set(v2_urls) - set(v1_urls) == {LOCAL + NEW}
    assert set(v1_urls) - set(v2_urls) == {LOCAL + ARREST}
    gone = json.loads((DATA / SITE / "v2" / "_gone.json").read_text())
    assert gone == {ARREST: 404}
    v2 = EXPECTED["v2"]
    assert v2["new"] == [NEW] and v2["removed"] == [ARREST] and v2["noise"] == [REAFFIRMS]
    assert v2["edited"] == {GUIDANCE: ["body"], AMICUS: ["published"], SETTLEMENT: ["title"]}
    # the deleted release falls inside the window the v2 listing covers, so a crawl re-fetches it
    oldest = min(
        entry.published
        for query in pages
        for entry in CaAgSpider().listing_entries(saved_response(SITE, LOCAL + query, state="v2"))
        if entry.published
    )
    deleted = release(ARREST).published
    assert deleted is not None and deleted >= oldest


def test_expected_json_matches_the_saved_pages() -> None:
    v1 = EXPECTED["v1"]
    pages = ("/media/news", "/media/news?page=1", "/media/news?page=2")
    urls = {url for query in pages for url in listing(LOCAL + query)[0]}
    assert len(urls) == v1["releases"] == len(V1_RELEASES)
    assert v1["listing_pages"] == len(pages)
    for path, title in v1["titles"].items():
        assert release(path).title == title
    for path, published in v1["published"].items():
        assert release(path).published == dt.date.fromisoformat(published)


# ---- broken, blocked and odd pages -------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 200])
@pytest.mark.parametrize("callback", ["parse_listing", "parse_release"])
def test_block_page_is_a_blocked_problem(status: int, callback: str) -> None:
    url = REAL + "/media/news"
    items = run(getattr(CaAgSpider(), callback), saved_page("_blocked.html", url, status))
    problems = [item for item in items if isinstance(item, CrawlProblem)]
    assert [p.problem for p in problems] == [Problem.BLOCKED]
    assert problems[0].listing == (callback == "parse_listing")
    assert not any(isinstance(item, ReleasePage | ListingPage) for item in items)


@pytest.mark.parametrize("status", [404, 200])  # a real 404, and the same page served as 200
def test_not_found_page_is_gone(status: int) -> None:
    url = LOCAL + ARREST
    items = run(CaAgSpider().parse_release, saved_page("_404.html", url, status))
    assert items == [ReleaseGone(SITE, url, status)]


def test_truncated_listing() -> None:
    items = run(
        CaAgSpider().parse_listing,
        case_response(SITE, "truncated_listing.html", LOCAL + "/media/news"),
    )
    requests = [item for item in items if isinstance(item, scrapy.Request)]
    assert requests and not any(is_listing_request(r) for r in requests)
    assert ListingPage(SITE, LOCAL + "/media/news", len(requests), False) in items
    problems = [item for item in items if isinstance(item, CrawlProblem)]
    assert [(p.problem, p.listing) for p in problems] == [(Problem.TRUNCATED, True)]


def test_truncated_release() -> None:
    items = case_release("truncated_release.html", LOCAL + COMMENTS)
    assert [(type(i), i.problem) for i in items] == [(CrawlProblem, Problem.TRUNCATED)]


def test_release_without_body_is_a_missing_body() -> None:
    items = case_release("no_body.html")
    assert len(items) == 1 and isinstance(items[0], CrawlProblem)
    assert items[0].problem is Problem.MISSING and "body" in items[0].message


@pytest.mark.parametrize(
    ("case", "published", "source"),
    [
        ("no_release_date.html", dt.date(2025, 2, 3), "meta article:published_time"),
        ("date_text_only.html", dt.date(2025, 2, 3), "text .field-name-field-release-date"),
    ],
)
def test_date_fallbacks(case: str, published: dt.date, source: str) -> None:
    (page,) = case_release(case)
    assert isinstance(page, ReleasePage)
    assert (page.published, page.date_source) == (published, source)


def test_end_marker_typed_into_the_body_ends_it() -> None:
    raw = case_response(SITE, "no_release_date.html", REAL).text
    assert "field-name-end-of-release" not in raw and "# # #</p>" in raw
    (page,) = case_release("no_release_date.html")
    assert page.body.endswith('"Check before you pay."')
    assert "Translated versions" not in page.body and "#" not in page.body


def test_title_falls_back_to_og_title() -> None:
    response = case_response(SITE, "og_title_only.html", REAL)
    assert not response.css("h1.page-header")
    (page,) = case_release("og_title_only.html")
    assert page.title == (
        "Attorney General Bonta Reminds Landlords That Threatening to Report Tenants' Immigration "
        "Status Is Illegal"
    )


def test_windows_1252_page() -> None:
    raw = (DATA / SITE / "cases" / "windows1252.html").read_bytes()
    assert b"\x92" in raw and b"\x93" in raw  # cp1252 curly quotes, not UTF-8
    (page,) = case_release("windows1252.html")
    assert page.title == "Attorney General Bonta: Workers’ Rights Don’t Depend on Status"
    assert page.body.startswith("SACRAMENTO – Attorney General Rob Bonta today said the state’s “")
    assert page.published == dt.date(2025, 6, 2)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("One.\n\nTwo.", "One.\n\nTwo."),
        ("One.\n\n# # #", "One."),
        ("One.\n\n###\n\nAbout the office.", "One."),
        ("One with # # # inside.\n\nTwo.", "One with # # # inside.\n\nTwo."),
    ],
)
def test_cut_end_marker(body: str, expected: str) -> None:
    assert cut_end_marker(body) == expected


def test_renamed_body_field_falls_back_to_the_node_without_its_other_fields() -> None:
    response = case_response(SITE, "renamed_body_field.html", REAL + REAFFIRMS)
    assert not response.css(".field-name-body") and response.css(".field-name-field-contact")
    (page,) = run(CaAgSpider().parse_release, response)
    assert isinstance(page, ReleasePage)
    assert page.body == release(REAFFIRMS).body  # the same text as the regular layout gives
