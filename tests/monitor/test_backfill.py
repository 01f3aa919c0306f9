"""`monitor backfill`: older listing pages a few at a time, resumable, not news in digests."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.monitor.test_crawl_e2e import EXPECTED, by_path, crawl, summaries
from tests.newsrooms import Newsroom, serve


def monitor(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--log-file", "", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
        cwd=config.parent,
    )


def write_config(folder: Path, database_url: str, room: Newsroom) -> Path:
    [start] = EXPECTED[room.site]["start_urls"]
    config = folder / "monitor.toml"
    # max_pages above the listings' length: a regular crawl ends at the last page's own link
    config.write_text(
        f'[database]\nurl = "{database_url}"\n[crawl]\ndownload_delay = 0\nmax_pages = 10\n'
        f'[sources.{room.site}]\nstart_urls = ["{room.root}{start}"]\n'
    )
    return config


def test_backfill_walks_back_resumes_and_stays_out_of_the_digest(tmp_path, database_url):
    with serve("ice") as rooms:
        ice = rooms["ice"]
        config = write_config(tmp_path, database_url, ice)
        since = dt.datetime.now(dt.UTC).isoformat()
        first = monitor(config, "backfill", "ice", "--pages", "1")
        assert first.returncode == 0, first.stderr
        assert "new 5" in first.stdout and f"resumes at {ice.root}/newsroom?page=1" in first.stdout
        second = monitor(config, "backfill", "ice", "--pages", "1")
        assert "new 5" in second.stdout and "?page=2" in second.stdout
        third = monitor(config, "backfill", "ice", "--pages", "5")
        assert "reached the end of the listing" in third.stdout
        listing_requests = [r for r in ice.requests if r.startswith("/newsroom")]
        assert listing_requests == ["/newsroom", "/newsroom?page=1", "/newsroom?page=2"]
        again = monitor(config, "backfill", "ice")
        assert "already" in again.stdout
        digest = json.loads(monitor(config, "digest", "--since", since, "--format", "json").stdout)
        assert digest["new"] == [] and digest["thread_updates"] == []
        result = crawl(config, "ice")  # a regular crawl finds them all known
        run = summaries(result)["ice"]
        assert run["new"] == 0 and run["unchanged"] == EXPECTED["ice"]["v1"]["releases"]


def test_backfill_until_a_date_and_bad_options(tmp_path, database_url):
    with serve("ice") as rooms:
        ice = rooms["ice"]
        config = write_config(tmp_path, database_url, ice)
        result = monitor(config, "backfill", "ice", "--until", "2025-12-01")
        assert result.returncode == 0, result.stderr
        listing_requests = [r for r in ice.requests if r.startswith("/newsroom")]
        assert listing_requests == ["/newsroom"]  # its oldest row is older than the date
        both = monitor(config, "backfill", "ice", "--pages", "1", "--until", "2025-01-01")
        assert both.returncode == 2 and "not both" in both.stderr


DHS_LISTING = "/news-releases/press-releases"
DHS_ARCHIVE = "/archive/news?field_news_type_target_id=436"
DHS_ARCHIVED = {  # the archive's releases by the date they carry
    "2024/12/18": "dhs-reports-detainers-declined-sanctuary-jurisdictions-fiscal-year-2024",
    "2024/10/29": "dhs-awards-cybersecurity-grants-state-and-local-governments",
    "2024/09/04": "dhs-urges-families-prepare-hurricane-season-peaks",
    "2024/05/21": "tsa-reminds-travelers-real-id-requirements-ahead-summer-travel",
    "2024/01/11": "dhs-marks-human-trafficking-awareness-month-new-training-resources",
    "2023/11/14": "dhs-statement-county-ordinance-limiting-cooperation-immigration-detainers",
    "2023/08/22": "dhs-expands-trusted-traveler-enrollment-interviews-airports",
    "2023/03/07": "cbp-seizes-counterfeit-merchandise-ahead-major-sporting-events",
}


def listing_requests(room: Newsroom, start: int = 0) -> list[str]:
    return [r for r in room.requests[start:] if r.startswith((DHS_LISTING, "/archive/news?"))]


def test_dhs_backfill_walks_on_into_the_archive_and_resumes_inside_it(
    tmp_path, database_url, sessions
):
    with serve("dhs") as rooms:
        dhs = rooms["dhs"]
        live, archive = dhs.root + DHS_LISTING, dhs.root + DHS_ARCHIVE
        config = write_config(tmp_path, database_url, dhs)
        first = monitor(config, "backfill", "dhs", "--pages", "2")
        assert first.returncode == 0, first.stderr
        assert "new 10" in first.stdout and f"resumes at {live}?page=2" in first.stdout
        # the live listing's last page, then the archive's first: the position moves into it
        second = monitor(config, "backfill", "dhs", "--pages", "2")
        assert second.returncode == 0, second.stderr
        assert f"from {live}?page=2 " in second.stderr
        assert "new 8" in second.stdout and f"resumes at {archive}&page=1" in second.stdout
        third = monitor(config, "backfill", "dhs")
        assert third.returncode == 0, third.stderr
        assert f"from {archive}&page=1 " in third.stderr
        assert "new 3" in third.stdout and "dhs: reached the end of the listing" in third.stdout
        assert listing_requests(dhs) == [
            DHS_LISTING,
            DHS_LISTING + "?page=1",
            DHS_LISTING + "?page=2",
            DHS_ARCHIVE,
            DHS_ARCHIVE + "&page=1",
        ]
        with sessions() as session:
            stored = by_path(session, "dhs")
            assert len(stored) == EXPECTED["dhs"]["v1"]["releases"] + len(DHS_ARCHIVED)
            archived = {
                path: str(release.published)
                for path, release in stored.items()
                if path.startswith("/archive/")
            }
        assert archived == {
            f"/archive/news/{day}/{slug}": day.replace("/", "-")
            for day, slug in DHS_ARCHIVED.items()
        }
        # a regular crawl stops at the live listing's last page, even when that page answers
        # 304 and the rows and link the backfill remembered for it are replayed
        before, not_modified = len(dhs.requests), dhs.not_modified
        result = crawl(config, "dhs")
        run = summaries(result)["dhs"]
        assert run["status"] == "ok" and run["new"] == 0
        assert run["listing_pages"] == EXPECTED["dhs"]["v1"]["listing_pages"]
        assert listing_requests(dhs, before) == [
            DHS_LISTING,
            DHS_LISTING + "?page=1",
            DHS_LISTING + "?page=2",
        ]
        assert dhs.not_modified - not_modified == run["listing_pages"] + run["unchanged"]
