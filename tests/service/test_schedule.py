"""The timetable: due crawls fire, missed runs coalesce, the config is the truth, digests get made.

The scheduler runs for real (APScheduler's AsyncIOScheduler with its job store in the test's
database) and starts real processes; only the crawler is a stand-in that takes its time.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED

from monitor.config import Config, load_config
from monitor.db import open_database
from monitor.service import schedule
from monitor.service.crawls import CrawlManager
from monitor.timetable import parse_schedule
from spiders import BUILTIN

FAKE = str(Path(__file__).with_name("fake_crawl.py"))
OFF = "\n".join(f"[sources.{key}]\nenabled = false" for key in BUILTIN if key != "ice")


def config_for(
    tmp_path: Path,
    database_url: str,
    *,
    ice: str = "every 1s",
    ice_enabled: bool = True,
    extra_sources: str = OFF,
    ice_settings: str = "",
    digest_settings: str = "",
) -> Config:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[crawl]\njitter = 0\n'
        f'[digest]\nschedule = "every 1h"\noutput_dir = "{tmp_path / "digests"}"\n'
        f"{digest_settings}\n"
        f'[sources.ice]\nschedule = "{ice}"\nenabled = {str(ice_enabled).lower()}\n'
        f"{ice_settings}\n{extra_sources}\n"
    )
    return load_config(path, source_keys=tuple(BUILTIN))


def starts(log: Path) -> list[float]:
    if not log.exists():
        return []
    return [float(line.split()[3]) for line in log.read_text().splitlines() if " start " in line]


async def run_scheduler(config: Config, log: Path, seconds: float) -> list[tuple[str, float]]:
    """A service's timetable for ``seconds``: start paused, reconcile, resume, stop.

    Returns the jobs run, with the time each was scheduled for.
    """
    engine, sessions = open_database(config.database_url)
    crawls = CrawlManager(
        loop=asyncio.get_running_loop(),
        command=[sys.executable, FAKE, "0.05", str(log)],
        max_crawls=2,
        timeout=10,
    )
    schedule.Context.config, schedule.Context.sessions, schedule.Context.crawls = (
        config,
        sessions,
        crawls,
    )
    scheduler = schedule.build_scheduler(config, database_url=config.database_url)
    executed: list[tuple[str, float]] = []
    scheduler.add_listener(
        lambda event: executed.append((event.job_id, event.scheduled_run_time.timestamp())),
        EVENT_JOB_EXECUTED,
    )
    scheduler.start(paused=True)
    schedule.reconcile(scheduler, config)
    scheduler.resume()
    try:
        await asyncio.sleep(seconds)
    finally:
        scheduler.shutdown(wait=False)
        await crawls.close(grace=5)
        schedule.Context.crawls = None
        engine.dispose()
    return executed


def test_due_crawls_fire_and_missed_runs_coalesce_after_downtime(tmp_path, database_url):
    config = config_for(tmp_path, database_url)
    log = tmp_path / "crawls.log"
    asyncio.run(run_scheduler(config, log, 2.6))
    fired = starts(log)
    assert 2 <= len(fired) <= 3, fired  # every second
    assert all(line.split()[1] == "schedule" for line in log.read_text().splitlines())
    time.sleep(3.2)  # the service is down: three runs are missed
    restarted = time.time()
    executed = asyncio.run(run_scheduler(config, log, 0.8))
    missed = [at for job, at in executed if job == "crawl:ice" and at < restarted]
    assert len(missed) == 1, executed  # three missed runs became one
    after = [t for t in starts(log) if t >= restarted]
    assert after and after[0] - restarted < 0.7  # and it ran right at the restart


def test_the_config_is_the_truth_for_stored_jobs(tmp_path, database_url):
    async def jobs(config: Config) -> dict[str, str]:
        scheduler = schedule.build_scheduler(config, database_url=config.database_url)
        scheduler.start(paused=True)
        schedule.reconcile(scheduler, config)
        found = {job.id: str(job.trigger) for job in scheduler.get_jobs()}
        scheduler.shutdown(wait=False)
        return found

    open_database(database_url)[0].dispose()
    first = asyncio.run(jobs(config_for(tmp_path, database_url, ice="every 1h")))
    assert set(first) == {"crawl:ice", "digest"} and "1:00:00" in first["crawl:ice"]
    dhs_on = OFF.replace("[sources.dhs]\nenabled = false", "[sources.dhs]\nschedule = '30 6 * * *'")
    second = asyncio.run(
        jobs(config_for(tmp_path, database_url, ice="every 2h", extra_sources=dhs_on))
    )
    assert set(second) == {"crawl:ice", "crawl:dhs", "digest"}
    assert "2:00:00" in second["crawl:ice"] and "hour='6'" in second["crawl:dhs"]
    third = asyncio.run(jobs(config_for(tmp_path, database_url, ice_enabled=False)))
    assert set(third) == {"digest"}


def stored_jobs(config: Config) -> dict[str, tuple[str, int | None]]:
    """Reconcile, then read the jobs back from the job store: time zone and jitter of each."""

    async def read() -> dict[str, tuple[str, int | None]]:
        scheduler = schedule.build_scheduler(config, database_url=config.database_url)
        scheduler.start(paused=True)
        schedule.reconcile(scheduler, config)
        scheduler.shutdown(wait=False)
        fresh = schedule.build_scheduler(config, database_url=config.database_url)
        fresh.start(paused=True)  # a new start: the jobs as the store keeps them
        found = {
            job.id: (str(job.trigger.timezone), job.trigger.jitter) for job in fresh.get_jobs()
        }
        fresh.shutdown(wait=False)
        return found

    return asyncio.run(read())


@pytest.mark.parametrize("ice", ["15 */2 * * *", "every 2h"])
def test_time_zone_and_jitter_changes_reach_the_stored_jobs(tmp_path, database_url, ice):
    open_database(database_url)[0].dispose()
    first = stored_jobs(config_for(tmp_path, database_url, ice=ice))
    assert first["crawl:ice"] == ("America/New_York", None)
    assert first["digest"] == ("America/New_York", None)
    changed = config_for(
        tmp_path,
        database_url,
        ice=ice,
        ice_settings='schedule_timezone = "Europe/Berlin"\njitter = 45',
        digest_settings='timezone = "America/Chicago"',
    )
    second = stored_jobs(changed)
    assert second["crawl:ice"] == ("Europe/Berlin", 45)
    assert second["digest"] == ("America/Chicago", None)
    again = stored_jobs(config_for(tmp_path, database_url, ice=ice, ice_settings="jitter = 0"))
    assert again["crawl:ice"] == ("America/New_York", None)


def test_the_digest_job_writes_the_digest(tmp_path, database_url):
    config = config_for(tmp_path, database_url)
    open_database(database_url)[0].dispose()
    schedule.Context.config = config
    schedule.Context.sessions = open_database(database_url)[1]
    schedule.scheduled_digest()
    written = sorted(p.name for p in (tmp_path / "digests").iterdir())
    assert [name.rsplit(".", 1)[1] for name in written] == ["html", "json", "xml"]
    data = json.loads(next((tmp_path / "digests").glob("*.json")).read_text())
    assert {s["status"] for s in data["sources"]} == {"no runs"}


@pytest.mark.parametrize("text", ["every 0s", "every two hours", "61 * * * *", "daily"])
def test_bad_schedules_are_refused(text):
    with pytest.raises(ValueError, match=r"crontab|positive"):
        parse_schedule(text, timezone="UTC")
