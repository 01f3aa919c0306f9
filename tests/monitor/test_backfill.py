"""`monitor backfill`: older listing pages a few at a time, resumable, not news in digests."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.monitor.test_crawl_e2e import EXPECTED, crawl, summaries
from tests.newsrooms import serve


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


def write_config(folder: Path, database_url: str, root: str) -> Path:
    config = folder / "monitor.toml"
    config.write_text(
        f'[database]\nurl = "{database_url}"\n[crawl]\ndownload_delay = 0\n'
        f'[sources.ice]\nstart_urls = ["{root}/newsroom"]\n'
    )
    return config


def test_backfill_walks_back_resumes_and_stays_out_of_the_digest(tmp_path, database_url):
    with serve("ice") as rooms:
        ice = rooms["ice"]
        config = write_config(tmp_path, database_url, ice.root)
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
        config = write_config(tmp_path, database_url, ice.root)
        result = monitor(config, "backfill", "ice", "--until", "2025-12-01")
        assert result.returncode == 0, result.stderr
        listing_requests = [r for r in ice.requests if r.startswith("/newsroom")]
        assert listing_requests == ["/newsroom"]  # its oldest row is older than the date
        both = monitor(config, "backfill", "ice", "--pages", "1", "--until", "2025-01-01")
        assert both.returncode == 2 and "not both" in both.stderr
