"""The JSON API over real HTTP, on a store filled by real crawls of the saved newsrooms."""

from __future__ import annotations

import datetime as dt

import feedparser
import httpx
import pytest
from lxml import html as lxml_html
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from monitor.web import create_app
from tests.monitor.test_crawl_e2e import EXPECTED
from tests.monitor.test_digest_e2e import ICE_EDITED, ICE_NEW
from tests.newsrooms import SITES
from tests.web.conftest import HOSTILE_BODY_V2, HOSTILE_TITLE, TOKEN, RecordingCrawls, auth, running


def get(served, path: str, **params) -> httpx.Response:
    return httpx.get(served.url + path, params=params, timeout=30)


def test_healthz(server):
    response = get(server, "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_fails(store, tmp_path):
    # a database file in a directory that does not exist: every connection fails
    broken = sessionmaker(create_engine(f"sqlite:///{tmp_path}/no-such-dir/monitor.db"))
    app = create_app(config=store.config, sessions=broken, crawls=RecordingCrawls(), token=None)
    with running(app) as url:
        response = httpx.get(url + "/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["database"] == "error"


def test_openapi_and_docs(server):
    spec = get(server, "/openapi.json").json()
    for path in ("/api/sources", "/api/releases/{release_id}/diff", "/api/crawls"):
        assert path in spec["paths"]
    for verb in ("attach", "detach", "accept", "reject"):
        assert "post" in spec["paths"][f"/api/threads/{{thread_id}}/{verb}"]
    assert "/releases" not in spec["paths"]  # pages are not part of the API
    docs = get(server, "/api/docs")
    assert docs.status_code == 200
    assert "/api/docs/assets/swagger-ui-bundle.js" in docs.text
    assert "//cdn" not in docs.text  # the page works offline
    bundle = get(server, "/api/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


def test_sources_have_settings_last_runs_and_health(server):
    sources = get(server, "/api/sources").json()
    assert [s["source"] for s in sources] == list(SITES)
    ice = sources[1]
    assert ice["agency"] == "U.S. Immigration and Customs Enforcement"
    assert ice["settings"]["max_pages"] == 10 and ice["settings"]["download_delay"] == 0
    assert ice["start_urls"][0].startswith("http://127.0.0.1:")
    assert ice["health"] == {
        "status": "ok",
        "error": None,
        "at": ice["last_runs"][0]["started_at"],
        "problems": [],
    }
    assert len(ice["last_runs"]) == 2 and ice["last_runs"][0]["edited"] > 0


def test_releases_filters_and_paging(server):
    everything = get(server, "/api/releases", limit=500).json()
    total = everything["total"]
    assert total == len(everything["releases"]) > 40
    ice = get(server, "/api/releases", source="ice", limit=500).json()
    assert {r["source"] for r in ice["releases"]} == {"ice"}
    removed = get(server, "/api/releases", status="removed").json()["releases"]
    assert len(removed) == sum(len(EXPECTED[s]["v2"]["removed"]) for s in SITES)
    assert {r["status"] for r in removed} == {"removed"}
    since = get(server, "/api/releases", since="2026-01-01", limit=500).json()["releases"]
    assert since and all(r["published"] >= "2026-01-01" for r in since)
    page = get(server, "/api/releases", limit=5, offset=5).json()
    assert [r["id"] for r in page["releases"]] == [r["id"] for r in everything["releases"][5:10]]
    found = get(server, "/api/releases", q="DETAINER").json()["releases"]
    assert found and all("detainer" in r["title"].lower() for r in found)
    assert get(server, "/api/releases", q="100%_no_such").json()["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"status": "gone"},
        {"limit": 0},
        {"offset": -1},
        {"source": "nowhere"},
    ],
)
def test_releases_refuse_bad_parameters(server, params):
    response = get(server, "/api/releases", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_release_with_history_and_diff(server):
    rid = server.store.ids["edited"]
    release = get(server, f"/api/releases/{rid}").json()
    assert release["url"].endswith(ICE_EDITED) and release["versions"] == 2
    assert release["version"]["number"] == 2 and release["version"]["body"]
    assert [h["number"] for h in release["history"]] == [1, 2]
    assert release["history"][1]["changed"] == ["body"] and "body" not in release["history"][0]
    first = get(server, f"/api/releases/{rid}", version=1).json()["version"]
    assert first["number"] == 1 and first["body"] != release["version"]["body"]
    diff = get(server, f"/api/releases/{rid}/diff").json()
    assert (diff["from"]["number"], diff["to"]["number"]) == (1, 2)
    body = next(f for f in diff["fields"] if f["field"] == "body")
    assert body["changed"] and {"equal", "insert", "delete"} <= {c["op"] for c in body["chunks"]}
    assert "<ins>" in body["html"] and "<del>" in body["html"]
    title = next(f for f in diff["fields"] if f["field"] == "title")
    assert not title["changed"]
    same = get(server, f"/api/releases/{rid}/diff", **{"from": 2, "to": 2}).json()
    assert not any(f["changed"] for f in same["fields"])


def test_unknown_ids_are_404_with_a_message(server):
    rid = server.store.ids["edited"]
    for path in (
        "/api/releases/999999",
        "/api/releases/999999/diff",
        f"/api/releases/{rid}/diff?from=7",
        f"/api/releases/{rid}?version=9",
        "/api/threads/999",
        "/api/crawls/no-such-job",
    ):
        response = httpx.get(server.url + path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail"} and response.json()["detail"], path
    one = next(r for r in get(server, "/api/releases", limit=500).json()["releases"])
    if one["versions"] == 1:
        detail = get(server, f"/api/releases/{one['id']}/diff").json()["detail"]
        assert "only one version" in detail
    assert get(server, "/api/releases/abc").status_code == 422


def test_diff_html_escapes_scraped_markup(server):
    rid = server.store.ids["hostile"]
    diff = get(server, f"/api/releases/{rid}/diff").json()
    body = next(f for f in diff["fields"] if f["field"] == "body")
    assert "&lt;b&gt;edited&lt;/b&gt;" in body["html"] and "<b>" not in body["html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in body["html"]
    tree = lxml_html.fragment_fromstring(body["html"], create_parent="div")
    assert {e.tag for e in tree.iter()} <= {"div", "ins", "del", "br"}
    assert body["new"].endswith("<b>edited</b> later.")  # the data stays verbatim


def test_hostile_text_comes_back_verbatim_as_json(server):
    release = get(server, f"/api/releases/{server.store.ids['hostile']}").json()
    assert release["title"] == HOSTILE_TITLE
    assert release["version"]["body"] == HOSTILE_BODY_V2
    found = get(server, "/api/releases", q="<script>").json()["releases"]
    assert {r["title"] for r in found} == {HOSTILE_TITLE}


def test_threads_list_and_timeline(server):
    threads = get(server, "/api/threads").json()
    assert [t["name"] for t in threads] == ["ICE detainer dispute", "Consumer scams"]
    assert threads[0]["members"] >= 3 and threads[0]["keywords"] == ["detainer"]
    thread = get(server, "/api/threads/1").json()
    assert thread["name"] == "ICE detainer dispute"
    dates = [m["published"] for m in thread["timeline"]]
    assert dates == sorted(dates)
    for member in thread["timeline"]:
        assert (
            member["reason"]
            and member["agency"]
            and member["state"]
            in (
                "confirmed",
                "suggested",
            )
        )
    assert any("keywords: detainer" in m["reason"] for m in thread["timeline"])


def test_attach_and_detach_need_the_token(server):
    ice_new = server.store.roots["ice"] + ICE_NEW
    path = server.url + "/api/threads/2/attach"
    refused = httpx.post(path, json={"release": ice_new})
    assert refused.status_code == 401 and "token" in refused.json()["detail"]
    wrong = httpx.post(path, json={"release": ice_new}, headers=auth("wrong"))
    assert wrong.status_code == 401
    done = httpx.post(path, json={"release": ice_new}, headers=auth())
    assert done.status_code == 200, done.text
    rid = done.json()["release"]
    member = next(
        m for m in get(server, "/api/threads/2").json()["timeline"] if m["release"] == rid
    )
    assert (member["method"], member["state"], member["reason"]) == (
        "manual",
        "confirmed",
        "attached by hand",
    )
    detached = httpx.post(
        server.url + "/api/threads/2/detach", json={"release": rid}, headers=auth()
    )
    assert detached.status_code == 200 and detached.json()["state"] == "rejected"
    timeline = get(server, "/api/threads/2").json()["timeline"]
    assert rid not in [m["release"] for m in timeline]
    # accept and reject are attach and detach under the names of the thread page's buttons
    accepted = httpx.post(
        server.url + "/api/threads/2/accept", json={"release": rid}, headers=auth()
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "confirmed"
    assert (
        httpx.post(server.url + "/api/threads/2/reject", json={"release": rid}).status_code == 401
    )
    rejected = httpx.post(
        server.url + "/api/threads/2/reject", json={"release": rid}, headers=auth()
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert rid not in [m["release"] for m in get(server, "/api/threads/2").json()["timeline"]]
    missing = httpx.post(path, json={"release": "999999"}, headers=auth())
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert httpx.post(path, json={}, headers=auth()).status_code == 422


def test_runs_newest_first_and_by_source(server):
    runs = get(server, "/api/runs").json()
    assert len(runs) == 2 * len(SITES)
    started = [r["started_at"] for r in runs]
    assert started == sorted(started, reverse=True)
    assert {r["status"] for r in runs} == {"ok"} and {r["trigger"] for r in runs} == {"manual"}
    ice = get(server, "/api/runs", source="ice").json()
    assert len(ice) == 2 and {r["source"] for r in ice} == {"ice"}
    assert get(server, "/api/runs", limit=1).json() == runs[:1]
    assert get(server, "/api/runs", source="nowhere").status_code == 422


def test_digests_json_html_atom(server):
    day = dt.datetime.now(dt.UTC).date()  # the crawls ran today (in UTC; the zone may differ)
    days = [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    digests = [get(server, f"/api/digests/{d.isoformat()}").json() for d in days]
    digest = max(digests, key=lambda d: len(d["new"]))
    assert digest["new"] and digest["edited"] and digest["timezone"] == "America/New_York"
    assert {s["source"] for s in digest["sources"]} == set(SITES)
    chosen = days[digests.index(digest)].isoformat()
    page = get(server, f"/api/digests/{chosen}", format="html")
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;" in page.text and "<script>" not in page.text
    atom = get(server, f"/api/digests/{chosen}", format="atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(atom.content)
    assert feed.bozo == 0 and len(feed.entries) > 10
    yesterday = get(server, "/api/digests/yesterday")
    assert yesterday.status_code == 200 and "sources" in yesterday.json()
    assert get(server, "/api/digests/2026-13-01").status_code == 422
    assert get(server, f"/api/digests/{chosen}", format="pdf").status_code == 422


def test_crawls_need_the_token(server):
    server.crawls.finish_all()  # whatever another test started on this shared server
    earlier = len(server.crawls.triggered)
    refused = httpx.post(server.url + "/api/crawls", json={"sources": ["ice"]})
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert server.crawls.triggered[earlier:] == []
    started = httpx.post(server.url + "/api/crawls", json={"sources": ["ice"]}, headers=auth())
    assert started.status_code == 202
    [job] = started.json()["jobs"]
    assert (job["source"], job["trigger"], job["already_running"]) == ("ice", "api", False)
    assert server.crawls.triggered[earlier:] == [(["ice"], "api")]
    again = httpx.post(server.url + "/api/crawls", json={"sources": ["ice"]}, headers=auth())
    assert again.json()["jobs"][0] == {**job, "already_running": True}
    assert get(server, f"/api/crawls/{job['id']}").json()["state"] == "running"
    assert job["id"] in [j["id"] for j in get(server, "/api/crawls").json()["jobs"]]
    bad = httpx.post(server.url + "/api/crawls", json={"sources": ["nowhere"]}, headers=auth())
    assert bad.status_code == 422 and "unknown source 'nowhere'" in bad.json()["detail"]
    server.crawls.finish_all()


def test_an_empty_crawl_request_means_every_enabled_source(open_server):
    started = httpx.post(open_server.url + "/api/crawls", json={})
    assert started.status_code == 202  # no token configured: open
    assert [j["source"] for j in started.json()["jobs"]] == list(SITES)
    assert open_server.crawls.triggered[-1] == (list(SITES), "api")
    open_server.crawls.finish_all()


def test_without_a_token_other_sites_cannot_write(open_server):
    before = len(open_server.crawls.triggered)
    foreign = {"Origin": "https://evil.example"}
    refused = httpx.post(open_server.url + "/api/crawls", json={}, headers=foreign)
    assert refused.status_code == 403 and refused.json()["detail"] == "cross-site request refused"
    attach = httpx.post(
        open_server.url + "/api/threads/2/attach", json={"release": "1"}, headers=foreign
    )
    assert attach.status_code == 403
    same = {"Origin": open_server.url}
    assert httpx.post(open_server.url + "/api/crawls", json={}, headers=same).status_code == 202
    assert len(open_server.crawls.triggered) == before + 1
    open_server.crawls.finish_all()


def test_the_token_is_not_needed_for_reading(server):
    assert TOKEN not in get(server, "/api/sources").text
    assert get(server, "/api/crawls").status_code == 200
