"""The HTML pages over real HTTP: content, escaping of hostile text, and the crawl button."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import feedparser
import httpx
import pytest
from lxml import html as lxml_html
from sqlalchemy import delete, select

from monitor.db import transaction
from monitor.models import Source, SourceProblem, ThreadMember
from tests.monitor.test_crawl_e2e import EXPECTED
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
    # crawled twice today: the first crawl was each source's baseline (history), so what is new
    # and edited today is the later crawl's, and the two releases stored by hand
    v2 = [EXPECTED[s]["v2"] for s in SITES]
    assert counts[:2] == [sum(len(e["new"]) for e in v2) + 2, sum(len(e["edited"]) for e in v2) + 1]
    baselines = tree.xpath("//ul[@id='baselines']/li")
    assert len(baselines) == len(SITES)
    ice = EXPECTED["ice"]["v1"]["releases"]
    assert f"ice: baseline, {ice} releases stored as history" in [
        " ".join(li.text_content().split()).removeprefix("baseline ") for li in baselines
    ]
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
    # browsers say where a request comes from in Sec-Fetch-Site; under our no-referrer policy
    # their Origin is "null", even for our own forms
    for site, answer in (("cross-site", 403), ("same-site", 403), ("same-origin", 303)):
        headers = {"Sec-Fetch-Site": site, "Origin": "null"}
        sent = httpx.post(open_server.url + "/crawl", data={"source": "dhs"}, headers=headers)
        assert sent.status_code == answer, site
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


# --- decisions on a thread's members, its feed, and the threads of a release ------------------


def member_item(tree, release: int):
    [item] = tree.xpath(f"//ol[@id='timeline']/li[@id='release-{release}']")
    return item


def test_the_thread_page_offers_accept_for_suggestions_and_reject_for_every_member(
    server, decisions
):
    tree = page(server, f"/threads/{decisions.thread}")
    no_active_content(tree)
    buttons = {
        member: sorted(member_item(tree, member).xpath(".//button/text()"))
        for member in (decisions.suggested, decisions.confirmed, decisions.history)
    }
    assert buttons == {
        decisions.suggested: ["Accept", "Reject"],
        decisions.confirmed: ["Reject"],
        decisions.history: ["Reject"],
    }
    assert member_item(tree, decisions.history).xpath(".//span[contains(@class,'s-history')]")
    assert not member_item(tree, decisions.confirmed).xpath(".//span[contains(@class,'s-history')]")
    assert tree.xpath("//form[@class='decisions']//input[@name='token' and @type='password']")


def test_accept_and_reject_need_the_token_and_are_final(server, decisions):
    path = f"{server.url}/threads/{decisions.thread}"
    form = {"release": str(decisions.suggested)}
    refused = httpx.post(path + "/accept", data=form)
    assert refused.status_code == 401 and "token" in refused.text
    assert httpx.post(path + "/accept", data={**form, "token": "nope"}).status_code == 401
    assert member_item(page(server, path[len(server.url) :]), decisions.suggested).get(
        "data-state"
    ) == ("suggested")
    done = httpx.post(path + "/accept", data={**form, "token": TOKEN})
    assert done.status_code == 303
    assert done.headers["location"] == f"/threads/{decisions.thread}?accepted={decisions.suggested}"
    after = page(server, done.headers["location"])
    assert "accepted" in after.xpath("string(//div[@id='decided'])")
    accepted = member_item(after, decisions.suggested)
    assert accepted.get("data-state") == "confirmed"
    assert accepted.xpath(".//button/text()") == ["Reject"]
    gone = httpx.post(path + "/reject", data={"release": str(decisions.history), "token": TOKEN})
    assert gone.status_code == 303
    rejected = page(server, gone.headers["location"])
    assert "rejected" in rejected.xpath("string(//div[@id='decided'])")
    assert not rejected.xpath(f"//li[@id='release-{decisions.history}']")
    with server.store.sessions() as session:
        members = {
            m.release_id: (m.state.value, m.method.value)
            for m in session.scalars(
                select(ThreadMember).where(ThreadMember.thread_id == decisions.thread)
            )
        }
    assert members[decisions.suggested] == ("confirmed", "manual")
    assert members[decisions.history] == ("rejected", "manual")
    missing = httpx.post(path + "/accept", data={"release": "999999", "token": TOKEN})
    assert missing.status_code == 404
    assert httpx.post(path + "/accept", data={"token": TOKEN}).status_code == 422


def test_decisions_from_another_site_are_refused_without_a_token(open_server, decisions):
    path = f"{open_server.url}/threads/{decisions.thread}/accept"
    form = {"release": str(decisions.suggested)}
    foreign = httpx.post(path, data=form, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    own = httpx.post(path, data=form, headers={"Origin": open_server.url})
    assert own.status_code == 303


def test_a_thread_feed_has_its_members_history_and_edits(server, decisions):
    response = httpx.get(f"{server.url}/threads/{decisions.thread}/feed.atom", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "<script" not in response.text and "<img" not in response.text
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Thread: Decisions on detainers"
    assert feed.feed.link == f"{server.url}/threads/{decisions.thread}"
    by_kind: dict[str, list] = {}
    for entry in feed.entries:
        by_kind.setdefault(entry.tags[0].term, []).append(entry)
    assert set(by_kind) == {"joined", "suggested", "history", "edited"}
    [suggested] = by_kind["suggested"]
    assert suggested.title == "Suggested: " + HOSTILE_TITLE
    [history] = by_kind["history"]
    assert history.title.startswith("History (joined): ICE reports detainer figures")
    assert history.updated.startswith("2026-01-08T00:00:00")  # its own date
    # a member's edit is in it (the hostile suggestion's is not: it is no member yet)
    assert [e.title for e in by_kind["edited"]] == [
        "Edited: ICE reports detainer figures for fiscal year 2025"
    ]
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert all(
        link.href.startswith(("http://", "https://")) for e in feed.entries for link in e.links
    )
    thread_page = page(server, f"/threads/{decisions.thread}")
    assert thread_page.xpath("//link[@type='application/atom+xml']/@href") == [
        f"/threads/{decisions.thread}/feed.atom"
    ]
    assert httpx.get(f"{server.url}/threads/999/feed.atom").status_code == 404


def test_the_release_page_names_its_threads_with_state_and_history(server, decisions):
    tree = page(server, f"/releases/{server.store.ids['edited']}")
    rows = {
        li.xpath("string(a)"): li.xpath(".//span[contains(@class,'badge')]/text()")
        for li in tree.xpath("//section[@id='threads']//li")
    }
    assert rows["Decisions on detainers"] == ["confirmed", "history"]
    assert "ICE detainer dispute" in rows and "history" not in rows["ICE detainer dispute"]
    api = httpx.get(f"{server.url}/api/releases/{server.store.ids['edited']}").json()
    [mine] = [t for t in api["threads"] if t["id"] == decisions.thread]
    assert (mine["state"], mine["history"], mine["method"]) == ("confirmed", True, "matched")
