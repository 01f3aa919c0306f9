"""Failures that say what they are: partial runs, the pages that failed and why, and health.

Real ``monitor crawl`` processes read a saved newsroom served on 127.0.0.1 whose pages are made
to fail (404 on links never stored, a page that answers too late, a database that refuses a
row); the verdicts are read back through ``monitor sources``, ``/api/runs`` and the runs page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from monitor.cli import main
from monitor.config import load_config
from monitor.models import CrawlRun, Release, RunStatus
from monitor.web import create_app
from tests.monitor.test_crawl_e2e import EXPECTED, crawl, write_config
from tests.newsrooms import Newsroom, serve
from tests.web.conftest import RecordingCrawls, running

RELEASES = sorted(EXPECTED["ice"]["v1"]["titles"])
GONE = RELEASES[:8]  # of 14 links: most of the listing's links are dead
SLOW = RELEASES[8]


@pytest.fixture
def ice() -> Iterator[Newsroom]:
    with serve("ice") as rooms:
        yield rooms["ice"]


def sources(config: Path) -> list[dict]:
    result = CliRunner().invoke(
        main, ["--config", str(config), "--log-file", "", "sources", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_dead_links_and_a_slow_page_make_a_partial_run_with_each_page_named(
    tmp_path, database_url, sessions, ice
):
    ice.statuses = dict.fromkeys(GONE, 404)
    ice.delays = {SLOW: 3.0}
    config = write_config(tmp_path / "monitor.toml", database_url, {"ice": ice})
    config.write_text(config.read_text().replace("timeout = 10", "timeout = 1"))
    config.write_text(config.read_text().replace("retries = 1", "retries = 0"))
    result = crawl(config, "ice")
    assert result.returncode == 0, result.stderr  # the source works: partly
    [run] = json.loads(result.stdout)
    assert run["status"] == "partial" and run["new"] == 14 - 9 and run["errors"] == 9
    reasons = {f["url"].split("/", 3)[3]: f["reason"] for f in run["failures"]}
    assert reasons == {**{p.lstrip("/"): "gone" for p in GONE}, SLOW.lstrip("/"): "timeout"}
    assert "most release links fail" in run["health"]["opened"]
    assert "release pages failing" not in run["health"]["opened"]  # once is not run after run
    with sessions() as session:
        stored = session.scalars(select(CrawlRun)).one()
        assert stored.status is RunStatus.PARTIAL and len(stored.failures) == 9
        assert {f.status for f in stored.failures if f.reason == "gone"} == {404}

    text_run = CliRunner().invoke(
        main, ["--config", str(config), "--log-file", "", "sources"], catch_exceptions=False
    )
    assert "partial" in text_run.output and "most release links fail" in text_run.output
    assert f"ice: failed page: release link answers HTTP 404 and was never stored: {ice.root}" in (
        text_run.output
    )
    assert "ice: … and 4 more failed pages" in text_run.output
    [record] = [s for s in sources(config) if s["source"] == "ice"]
    assert record["last_run"]["status"] == "partial"
    assert len(record["last_run"]["failures"]) == 9
    assert {p["kind"] for p in record["problems"]} - {"silent"} == {"broken"}

    app = create_app(
        config=load_config(config), sessions=sessions, crawls=RecordingCrawls(), token=None
    )
    with running(app) as url:
        [api_run] = httpx.get(f"{url}/api/runs").json()
        page = httpx.get(f"{url}/runs").text
    assert api_run["status"] == "partial"
    assert sorted(f["reason"] for f in api_run["failures"]) == ["gone"] * 8 + ["timeout"]
    assert "9 failed pages" in page and "no answer in time" in page

    for _ in range(2):  # the same pages fail run after run: a problem of its own, not "failing"
        again = json.loads(crawl(config, "ice").stdout)[0]
        assert again["status"] == "partial"
    assert again["health"]["opened"] == ["release pages failing"]  # "broken" stays open
    assert "crawls failing" not in again["health"]["open"]
    [record] = [s for s in sources(config) if s["source"] == "ice"]
    [pages] = [p for p in record["problems"] if p["kind"] == "pages"]
    assert "the same 9 release pages failed in each of the last 3 crawls" in pages["detail"]


REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON releases WHEN NEW.url LIKE '%{slug}' "
        "BEGIN SELECT RAISE(ABORT, 'could not extend file: No space left on device'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.url LIKE '%{slug}' THEN "
        "RAISE EXCEPTION 'could not extend file: No space left on device'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON releases FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}


def test_a_database_that_refuses_a_row_is_a_storage_error(tmp_path, database_url, sessions, ice):
    slug = RELEASES[0].rsplit("/", 1)[1]
    with sessions() as session:
        for statement in REFUSE[session.get_bind().dialect.name]:
            session.execute(text(statement.replace("{slug}", slug)))
        session.commit()
    config = write_config(tmp_path / "monitor.toml", database_url, {"ice": ice})
    result = crawl(config, "ice")
    [run] = json.loads(result.stdout)
    assert run["status"] == "partial" and run["new"] == 13, result.stderr
    [failure] = run["failures"]
    assert failure["reason"] == "storage" and failure["url"].endswith(slug)
    assert failure["detail"].startswith("database error, release not stored: ")
    assert "No space left on device" in failure["detail"]
    assert "parse" not in failure["detail"] and "page" not in failure["detail"]
    with sessions() as session:
        assert len(session.scalars(select(Release)).all()) == 13
    shown = crawl(config, "ice", "--format", "text")
    assert "database error, release not stored" in shown.stdout
