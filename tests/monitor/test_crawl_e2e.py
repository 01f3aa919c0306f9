"""End to end: ``monitor crawl`` against the saved newsrooms served on 127.0.0.1.

Each crawl is a real ``monitor crawl`` process (Scrapy's reactor runs once per process) writing
to this test's database; the assertions read what landed there.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.models import (
    CrawlRun,
    Event,
    EventKind,
    Release,
    ReleaseStatus,
    RunStatus,
    Source,
    Version,
)
from tests.newsrooms import DATA, SITES, Newsroom, serve, source_config

EXPECTED = {site: json.loads((DATA / site / "expected.json").read_text()) for site in SITES}


def write_config(
    path: Path, database_url: str, rooms: dict[str, Newsroom], *, extra: str = ""
) -> Path:
    lines = [
        extra,
        "[database]",
        f'url = "{database_url}"',
        "",
        "[crawl]",
        "download_delay = 0",
        "retry_backoff = 0.01",
        "retries = 1",
        "timeout = 10",
        "max_pages = 10",
        "",
    ]
    lines += [source_config(site, room.root) for site, room in rooms.items()]
    path.write_text("\n".join(lines))
    return path


def crawl(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(config),
            "crawl",
            "--format",
            "json",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,  # the log file lands in ./data of the test's own directory
        timeout=240,
        check=False,
    )


def summaries(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert result.stdout.strip(), result.stderr
    return {s["source"]: s for s in json.loads(result.stdout)}


@pytest.fixture
def newsrooms() -> Iterator[dict[str, Newsroom]]:
    with serve(*SITES) as rooms:
        yield rooms


@pytest.fixture
def config(tmp_path: Path, database_url: str, newsrooms: dict[str, Newsroom]) -> Path:
    return write_config(tmp_path / "monitor.toml", database_url, newsrooms)


def by_path(session: Session, site: str) -> dict[str, Release]:
    releases = session.scalars(select(Release).join(Source).where(Source.key == site))
    return {"/" + r.url.split("/", 3)[3]: r for r in releases}


def count(session: Session, model: type, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_first_crawl_stores_every_release_once(config, sessions, newsrooms):
    result = crawl(config)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = summaries(result)
    with sessions() as session:
        for site in SITES:
            expected = EXPECTED[site]["v1"]
            stored = by_path(session, site)
            assert len(stored) == expected["releases"], site
            assert runs[site]["new"] == expected["releases"]
            assert runs[site]["status"] == "ok" and runs[site]["errors"] == 0
            assert runs[site]["listing_pages"] == expected["listing_pages"], site
            # the first crawl of the whole window is the source's baseline: history, not news
            assert runs[site]["baseline"] and runs[site]["baseline_complete"], site
            for path, title in expected.get("titles", {}).items():
                assert stored[path].title == title
            for path, published in expected.get("published", {}).items():
                assert str(stored[path].published) == published, (site, path)
            assert all(r.version_count == 1 for r in stored.values())
        assert count(session, Event) == count(session, Release) == count(session, Version)
    for room in newsrooms.values():
        assert room.requests[0] == "/robots.txt"


def test_unchanged_recrawl_writes_nothing_and_costs_304s(config, sessions, newsrooms):
    assert crawl(config).returncode == 0
    first_bytes = {site: room.bytes_sent for site, room in newsrooms.items()}
    for room in newsrooms.values():
        room.bytes_sent = 0
    result = crawl(config)
    assert result.returncode == 0, result.stderr
    with sessions() as session:
        assert count(session, Version) == count(session, Release)
        assert count(session, Event, Event.kind != EventKind.NEW) == 0
    for site, run in summaries(result).items():
        assert run["new"] == run["edited"] == run["removed"] == 0
        assert run["unchanged"] == EXPECTED[site]["v1"]["releases"]
        room = newsrooms[site]
        expected = EXPECTED[site]["v1"]
        assert room.not_modified == expected["releases"] + expected["listing_pages"]  # all 304
        assert room.bytes_sent < 0.05 * first_bytes[site]  # robots.txt, and 304s have no body


def test_without_validators_from_the_site_pages_are_compared_in_full(config, sessions, newsrooms):
    for room in newsrooms.values():
        room.etags = False
    assert crawl(config).returncode == 0
    for room in newsrooms.values():
        room.state = "v2"
    result = crawl(config)
    assert result.returncode == 0
    runs = summaries(result)
    assert all(room.not_modified == 0 for room in newsrooms.values())
    assert all(runs[s]["edited"] == len(EXPECTED[s]["v2"]["edited"]) for s in SITES)


def test_later_state_records_new_edited_and_removed_but_not_noise(config, sessions, newsrooms):
    assert crawl(config).returncode == 0
    for room in newsrooms.values():
        room.state = "v2"
    result = crawl(config)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = summaries(result)
    with sessions() as session:
        for site in SITES:
            later = EXPECTED[site]["v2"]
            stored = by_path(session, site)
            assert not runs[site]["baseline"], site  # past the baseline: what it finds is news
            assert runs[site]["new"] == len(later["new"]), site
            assert runs[site]["edited"] == len(later["edited"]), site
            assert runs[site]["removed"] == len(later["removed"]), site
            for path in later["new"]:
                assert stored[path].version_count == 1
            for path, fields in later["edited"].items():
                release = stored[path]
                assert release.version_count == 2, (site, path)
                assert release.versions[-1].changed_fields == fields, (site, path)
                edit = session.scalars(
                    select(Event).where(
                        Event.release_id == release.id, Event.kind == EventKind.EDITED
                    )
                ).one()
                assert edit.fields.split(",") == fields
            for path in later["noise"]:
                assert stored[path].version_count == 1, (site, path)
            for path in later["removed"]:
                assert stored[path].status is ReleaseStatus.REMOVED, (site, path)
                assert (
                    count(
                        session,
                        Event,
                        Event.release_id == stored[path].id,
                        Event.kind == EventKind.REMOVED,
                    )
                    == 1
                )
            untouched = (
                set(stored) - set(later["new"]) - set(later["edited"]) - set(later["removed"])
            )
            assert all(stored[p].version_count == 1 for p in untouched), site
            assert all(stored[p].status is ReleaseStatus.ACTIVE for p in untouched), site


def test_blocked_source_removes_nothing_and_others_carry_on(config, sessions, newsrooms):
    assert crawl(config).returncode == 0
    for room in newsrooms.values():
        room.state = "v2"
    newsrooms["ny_ag"].blocked = True
    result = crawl(config)
    assert result.returncode == 1
    runs = summaries(result)
    assert runs["ny_ag"]["status"] == "blocked"
    assert "Access Denied" in runs["ny_ag"]["error"]
    assert all(runs[s]["status"] == "ok" for s in SITES if s != "ny_ag")
    assert "blocked" in result.stdout
    with sessions() as session:
        ny = by_path(session, "ny_ag")
        assert all(r.status is ReleaseStatus.ACTIVE for r in ny.values())
        assert len(ny) == EXPECTED["ny_ag"]["v1"]["releases"]
        run = session.scalars(
            select(CrawlRun).join(Source).where(Source.key == "ny_ag").order_by(CrawlRun.id.desc())
        ).first()
        assert run is not None and run.status is RunStatus.BLOCKED
    newsrooms["ny_ag"].blocked = False
    result = crawl(config, "ny_ag")
    assert result.returncode == 0, result.stderr
    assert summaries(result)["ny_ag"]["removed"] == len(EXPECTED["ny_ag"]["v2"]["removed"])


def test_failing_listing_fails_that_source_only_and_keeps_its_releases(config, sessions, newsrooms):
    assert crawl(config).returncode == 0
    for room in newsrooms.values():
        room.state = "v2"
    ice = newsrooms["ice"]
    ice.broken = {EXPECTED["ice"]["start_urls"][0]}
    ice.requests.clear()
    result = crawl(config, "ice", "dhs")
    assert result.returncode == 1
    runs = summaries(result)
    assert runs["ice"]["status"] == "failed" and "HTTP 500" in runs["ice"]["error"]
    assert runs["dhs"]["status"] == "ok"
    assert ice.requests.count(EXPECTED["ice"]["start_urls"][0]) == 2  # one retry
    with sessions() as session:
        assert all(r.status is ReleaseStatus.ACTIVE for r in by_path(session, "ice").values())


def test_sources_on_one_host_take_turns(tmp_path, database_url, newsrooms):
    ice = newsrooms["ice"]
    config = tmp_path / "same-host.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n[crawl]\ndownload_delay = 0\nretries = 0\n'
        f'[sources.ice]\nstart_urls = ["{ice.root}/newsroom"]\nuser_agent = "agent-ice"\n'
        f'[sources.dhs]\nstart_urls = ["{ice.root}/newsroom"]\nuser_agent = "agent-dhs"\n'
    )
    result = crawl(config, "ice", "dhs")
    runs = summaries(result)
    assert runs["ice"]["status"] == "ok"
    # DHS's spider reads the rows of ICE's listing but finds no DHS release on ICE's pages
    assert runs["dhs"]["status"] == "partial" and runs["dhs"]["new"] == 0
    order = [agent for agent in ice.agents if agent.startswith("agent-")]
    switches = sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert switches == 1, order  # one source after the other, never interleaved
