"""The timetable: one APScheduler job per enabled source, and one for the daily digest.

Jobs live in the database (APScheduler's SQLAlchemy job store), so a restart knows when each was
due: a run missed while the service was down starts once when it comes back (``coalesce``), if it
is not older than ``misfire_grace_time``. The config is the truth: at start the stored jobs are
reconciled with it (a job whose schedule, time zone or jitter changed is replaced, one no longer
configured removed).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Config
from monitor.digest.build import build_digest, day_period, yesterday
from monitor.digest.mail import MailError, send_digest
from monitor.digest.render import RENDERERS
from monitor.service.crawls import CrawlManager
from monitor.timetable import parse_schedule, trigger_fields

log = logging.getLogger(__name__)
DIGEST_JOB = "digest"
JOB_TABLE = "scheduler_jobs"


class Context:
    """What scheduled jobs reach: set by the running service (job functions must be importable
    by name for the job store, so they cannot be bound methods)."""

    config: Config | None = None
    sessions: sessionmaker[Session] | None = None
    crawls: CrawlManager | None = None


def scheduled_crawl(source: str) -> None:
    if Context.crawls is None:
        log.warning("scheduled crawl of %s fired without a running service", source)
        return
    [(job, started)] = Context.crawls.trigger([source], trigger="schedule")
    if not started:
        log.info("scheduled crawl of %s skipped: job %s is still running", source, job.id)


def scheduled_digest() -> None:
    if Context.config is None or Context.sessions is None:
        return
    make_digest(Context.config, Context.sessions)


def make_digest(
    config: Config, sessions: sessionmaker[Session], *, day: dt.date | None = None
) -> list[Path]:
    """Build yesterday's digest; write it to ``output_dir`` and mail it as configured."""
    settings = config.digest
    day = day or yesterday(settings["timezone"])
    since, until = day_period(day, settings["timezone"])
    keys = list(config.sources)
    with sessions() as session:
        digest = build_digest(
            session,
            since=since,
            until=until,
            settings=settings,
            health=config.health,
            sources=keys,
            agencies=config.agencies(),
        )
    written = []
    if settings["output_dir"]:
        folder = Path(settings["output_dir"])
        folder.mkdir(parents=True, exist_ok=True)
        for fmt, suffix in (("html", "html"), ("json", "json"), ("atom", "xml")):
            path = folder / f"digest-{day.isoformat()}.{suffix}"
            path.write_text(RENDERERS[fmt](digest), encoding="utf-8")
            written.append(path)
        log.info("digest for %s written to %s", day, folder)
    if settings["email"]:
        try:
            send_digest(digest, to=list(settings["email"]), smtp=config.smtp)
        except MailError as exc:
            log.error("digest for %s not sent: %s", day, exc)
        else:
            log.info("digest for %s sent to %s", day, ", ".join(settings["email"]))
    return written


def build_scheduler(config: Config, *, database_url: str) -> AsyncIOScheduler:
    service = config.service
    return AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename=JOB_TABLE)},
        job_defaults={
            "coalesce": True,  # missed runs after downtime: one run, not a burst
            "max_instances": 1,
            "misfire_grace_time": int(service["misfire_grace_time"]),
        },
        timezone=config.digest["timezone"],
    )


def desired_jobs(config: Config) -> dict[str, dict[str, Any]]:
    """Job id -> add_job arguments, from the config."""
    jobs: dict[str, dict[str, Any]] = {}
    for key, source in config.sources.items():
        if not source.enabled:
            continue
        trigger = parse_schedule(
            source.get("schedule"),
            timezone=source.get("schedule_timezone"),
            jitter=int(source.get("jitter")) or None,
        )
        jobs[f"crawl:{key}"] = {
            "func": "monitor.service.schedule:scheduled_crawl",
            "args": [key],
            "trigger": trigger,
            "name": f"crawl {key}",
        }
    digest = parse_schedule(config.digest["schedule"], timezone=config.digest["timezone"])
    jobs[DIGEST_JOB] = {
        "func": "monitor.service.schedule:scheduled_digest",
        "trigger": digest,
        "name": "daily digest",
    }
    return jobs


def reconcile(scheduler: AsyncIOScheduler, config: Config) -> None:
    """Make the stored jobs match the config, keeping due times of unchanged ones.

    Call on a started, paused scheduler: a kept job whose due time passed while the service was
    down then fires once on resume (within the misfire grace time).
    """
    wanted = desired_jobs(config)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("removing job %s: no longer configured", job.id)
            job.remove()
    for job_id, spec in wanted.items():
        current = scheduler.get_job(job_id)
        if current is not None and trigger_fields(current.trigger) == trigger_fields(
            spec["trigger"]
        ):
            continue
        scheduler.add_job(id=job_id, replace_existing=True, **spec)
        log.info("scheduled %s: %s", spec["name"], spec["trigger"])
