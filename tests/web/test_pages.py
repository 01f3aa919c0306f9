"""The HTML pages over real HTTP: content, escaping of hostile text, and the crawl button."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from lxml import html as lxml_html
from sqlalchemy import delete, select

from monitor.db import transaction
from monitor.models import Source, SourceProblem
from tests.monitor.test_digest_e2e import ICE_EDITED
from tests.newsrooms import SITES
from tests.web.conftest import HOSTILE_TITLE, SCRIPT_URL, TOKEN

PAGES = ("/", "/releases", "/threads", "/threads/1", "/digest", "/runs")


def page(served, path: str, **params):
    response = httpx.get(served.url + path, params=params or None, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return lxml_html.document_fromstring(response.text)


def no_active_content(tree) -> None:
    """Nothing scraped became markup: no script element, no event-handler attribute."""
    assert tree.xpath("//script") == []
    for element in tree.iter():
        if isinstance(element.tag, str):
            assert not any(name.lower().startswith("on") for name in element.attrib), element.tag
    assert not [a for a in tree.xpath("//a/@href") if a.lower().startswith("javascript:")]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_navigation_and_the_stylesheet(server, path):
    tree = page(server, path)
    assert tree.xpath("//link[@rel='stylesheet']/@href") == ["/static/style.css"]
    assert "/releases" in tree.xpath("//header//a/@href")
    no_active_content(tree)
    response = httpx.get(server.url + path)
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_the_stylesheet_is_served(server):
    response = httpx.get(server.url + "/static/style.css")
    assert response.status_code == 200 and "ins" in response.text


def test_dashboard_shows_sources_health_and_todays_changes(server):
    tree = page(server, "/")
    rows = tree.xpath("//table[contains(@class, 'sources')]/tbody/tr")
    assert [r.xpath("string(td[1]//strong)") for r in rows] == list(SITES)
    assert {r.xpath("string(td[2]//span[contains(@class,'badge')])") for r in rows} == {"ok"}
    counts = [int(c) for c in tree.xpath("//span[@class='count']/text()")]
    assert counts[0] > 0 and counts[1] > 0  # crawled today: new and edited
    assert tree.xpath("//form[@action='/crawl']//input[@name='token' and @type='password']")


def test_release_page_shows_text_history_and_marked_diff(server):
    rid = server.store.ids["edited"]
    tree = page(server, f"/releases/{rid}")
    assert tree.xpath("string(//h1)").strip()
    assert tree.xpath("//div[@id='body']/p")
    assert tree.xpath("//div[@class='diff']//ins") and tree.xpath("//div[@class='diff']//del")
    assert [v.strip() for v in tree.xpath("//table//td[1]/a/text()")] == ["v2", "v1"]
    [link] = tree.xpath("//p[contains(@class,'link')]//a/@href")
    assert link.endswith(ICE_EDITED)
    older = page(server, f"/releases/{rid}", version=1)
    assert older.xpath("//tr[@class='current']//a/text()") == ["v1"]


def test_hostile_release_is_shown_as_text(server):
    tree = page(server, f"/releases/{server.store.ids['hostile']}")
    no_active_content(tree)
    assert tree.xpath("//img") == [] and tree.xpath("//b") == []
    assert tree.xpath("string(//h1)").strip() == HOSTILE_TITLE
    assert "<img src=x onerror=alert(1)>" in tree.xpath("string(//div[@id='body'])")
    assert "<b>edited</b>" in tree.xpath("string(//div[@class='diff'])")
    listing = page(server, "/releases", q="hostile")
    no_active_content(listing)
    assert HOSTILE_TITLE in listing.xpath("string(//ul[contains(@class,'releases')])")


def test_only_http_links_are_links(server):
    tree = page(server, f"/releases/{server.store.ids['script_url']}")
    no_active_content(tree)
    assert tree.xpath("//p[contains(@class,'link')]//a") == []
    assert SCRIPT_URL in tree.xpath("string(//p[contains(@class,'link')])")


def test_releases_search_and_filters(server):
    tree = page(server, "/releases", q="detainer", source="ice")
    titles = tree.xpath("//ul[contains(@class,'releases')]/li/a/text()")
    assert titles and all("detainer" in t.lower() for t in titles)
    assert tree.xpath("//input[@name='q']/@value") == ["detainer"]
    assert tree.xpath("//select[@name='source']/option[@selected]/@value") == ["ice"]
    removed = page(server, "/releases", status="removed")
    assert removed.xpath("//ul[contains(@class,'releases')]/li//span[contains(@class,'s-removed')]")
    first = page(server, "/releases")
    assert first.xpath("//nav[@class='pager']/a/text()") == ["older →"]
    second = page(server, "/releases", offset=50)
    assert "newer" in second.xpath("string(//nav[@class='pager'])")


def test_thread_pages(server):
    threads = page(server, "/threads")
    assert threads.xpath("//ul[contains(@class,'threads')]//a/strong/text()") == [
        "ICE detainer dispute",
        "Consumer scams",
    ]
    tree = page(server, "/threads/1")
    items = tree.xpath("//ol[@id='timeline']/li")
    assert len(items) >= 3
    assert all(i.xpath("string(.//div[contains(@class,'reason')])").strip() for i in items)
    for item in items:
        marked = bool(item.xpath(".//span[contains(@class,'s-suggested')]"))
        assert marked == ("suggested" in item.get("class"))


def test_digest_page_embeds_the_digest(server):
    tree = page(server, "/digest")
    [frame] = tree.xpath("//iframe")
    assert frame.get("sandbox") is not None and "allow-scripts" not in frame.get("sandbox")
    assert frame.get("srcdoc").lstrip().lower().startswith("<!doctype html>")
    assert tree.xpath("//link[@type='application/atom+xml']")
    today = page(server, "/digest/2026-01-05")
    assert "2026-01-04" in today.xpath("//nav[@class='pager']/a/text()")[0]


def test_runs_page_filters_by_source(server):
    tree = page(server, "/runs", source="dhs")
    assert {c.strip() for c in tree.xpath("//tbody/tr/td[2]/text()")} == {"dhs"}


def test_unknown_pages_are_404_pages(server):
    for path in ("/releases/999999", "/threads/999"):
        response = httpx.get(server.url + path)
        assert response.status_code == 404
        assert "no " in lxml_html.document_fromstring(response.text).xpath("string(//p)")


def test_the_crawl_button_needs_the_token(server):
    before = len(server.crawls.triggered)
    refused = httpx.post(server.url + "/crawl", data={"source": "dhs"})
    assert refused.status_code == 401 and "token" in refused.text
    wrong = httpx.post(server.url + "/crawl", data={"source": "dhs", "token": "nope"})
    assert wrong.status_code == 401 and len(server.crawls.triggered) == before
    done = httpx.post(server.url + "/crawl", data={"source": "dhs", "token": TOKEN})
    assert done.status_code == 303
    assert server.crawls.triggered[-1] == (["dhs"], "api")
    dashboard = page(server, done.headers["location"])
    notice = dashboard.xpath("string(//div[@class='notice'])")
    assert "Crawl requested" in notice and "dhs" in notice
    server.crawls.finish_all()


def test_the_crawl_button_is_open_without_a_token(open_server):
    tree = page(open_server, "/")
    assert not tree.xpath("//input[@name='token']")
    done = httpx.post(open_server.url + "/crawl", data={"source": ""})
    assert done.status_code == 303
    assert open_server.crawls.triggered[-1] == (list(SITES), "api")
    foreign = httpx.post(
        open_server.url + "/crawl", data={"source": ""}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    open_server.crawls.finish_all()


@pytest.fixture
def undated_il_ag(server) -> Iterator[None]:
    """An open "dates missing" problem of il_ag with hostile text, for one test."""
    sessions = server.store.sessions
    moment = dt.datetime(2026, 11, 28, 9, 30)
    with transaction(sessions) as session:
        source = session.scalars(select(Source).where(Source.key == "il_ag")).one()
        session.add(
            SourceProblem(
                source_id=source.id,
                kind="undated",
                detail='9 of 10 listing rows had no date <script>alert("x")</script>',
                opened_at=moment,
                last_seen_at=moment,
            )
        )
    yield
    with transaction(sessions) as session:
        session.execute(delete(SourceProblem))


def test_dashboard_and_api_show_open_health_problems(server, undated_il_ag):
    tree = page(server, "/")
    no_active_content(tree)
    row = tree.xpath("//table[contains(@class, 'sources')]/tbody/tr[td[1]//strong='il_ag']")[0]
    problem = row.xpath("string(td[2]//div[contains(@class,'problem')])")
    assert "dates missing" in problem
    assert '9 of 10 listing rows had no date <script>alert("x")</script>' in problem
    sources = httpx.get(server.url + "/api/sources", timeout=30).json()
    [il] = [s for s in sources if s["source"] == "il_ag"]
    assert [(p["kind"], p["since"]) for p in il["health"]["problems"]] == [
        ("undated", "2026-11-28T09:30:00Z")
    ]
