"""The few reads the CLI does not need: title search with paging, recent runs, thread counts.

Everything else comes from :mod:`monitor.history`, :mod:`monitor.threads` and
:mod:`monitor.digest`; this module only adds what a browsing user needs on top.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from monitor.config import Config
from monitor.digest.build import build_digest, day_period
from monitor.digest.model import Digest
from monitor.history import count_releases, list_releases, utc_iso
from monitor.models import (
    CrawlRun,
    Release,
    ReleaseStatus,
    Source,
    ThreadMember,
)


def search_releases(
    session: Session,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    status: ReleaseStatus | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Release]]:
    """A page of releases, newest first, and how many match in all."""
    filters: dict[str, Any] = {"source": source, "since": since, "status": status, "q": q}
    return count_releases(session, **filters), list_releases(
        session, limit=limit, offset=offset, **filters
    )


def recent_runs(
    session: Session, *, source: str | None = None, limit: int = 50, offset: int = 0
) -> list[CrawlRun]:
    query = (
        select(CrawlRun)
        .join(Source)
        .options(selectinload(CrawlRun.source), selectinload(CrawlRun.failures))
    )
    if source:
        query = query.where(Source.key == source)
    query = query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def run_record(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source.key,
        "trigger": run.trigger,
        "started_at": utc_iso(run.started_at),
        "finished_at": utc_iso(run.finished_at),
        "status": run.status.value,
        "pages": run.pages,
        "listing_pages": run.listing_pages,
        "new": run.new,
        "edited": run.edited,
        "unchanged": run.unchanged,
        "removed": run.removed,
        "restored": run.restored,
        "errors": run.errors,
        "error": run.error,
        "baseline": run.baseline,
        "failures": [failure.as_json() for failure in run.failures],
    }


def member_record(member: ThreadMember, agencies: Mapping[str, str]) -> dict[str, Any]:
    release = member.release
    return {
        "release": release.id,
        "source": release.source.key,
        "agency": agencies.get(release.source.key, release.source.name),
        "published": release.published.isoformat() if release.published else None,
        "title": release.title,
        "url": release.url,
        "release_status": release.status.value,
        "state": member.state.value,
        "method": member.method.value,
        "score": member.score,
        "reason": member.reason,
        "history": member.history,
    }


def today(config: Config) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(config.digest["timezone"])).date()


def day_digest(
    session: Session, config: Config, day: dt.date, agencies: Mapping[str, str]
) -> Digest:
    """The digest of one day in the configured zone, as ``monitor digest --date`` builds it."""
    since, until = day_period(day, config.digest["timezone"])
    return build_digest(
        session,
        since=since,
        until=until,
        settings=config.digest,
        health=config.health,
        sources=list(config.sources),
        agencies=agencies,
    )
