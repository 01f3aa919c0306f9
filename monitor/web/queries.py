"""The few reads the CLI does not need: title search with paging, recent runs, thread counts.

Everything else comes from :mod:`monitor.history`, :mod:`monitor.threads` and
:mod:`monitor.digest`; this module only adds what a browsing user needs on top.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from monitor.config import Config
from monitor.digest.build import build_digest, day_period
from monitor.digest.model import Digest
from monitor.models import (
    CrawlRun,
    MemberState,
    Release,
    ReleaseStatus,
    Source,
    Thread,
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
    """Releases newest first (the order of :func:`monitor.history.list_releases`), and the total."""
    query = select(Release).join(Source)
    if source:
        query = query.where(Source.key == source)
    if since:
        query = query.where(Release.published >= since)
    if status:
        query = query.where(Release.status == status)
    if q and q.strip():
        pattern = "%" + _like_escape(q.strip()) + "%"
        query = query.where(Release.title.ilike(pattern, escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.options(selectinload(Release.source))
        .order_by(Release.published.desc(), Release.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return int(total), list(page)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def recent_runs(
    session: Session, *, source: str | None = None, limit: int = 50, offset: int = 0
) -> list[CrawlRun]:
    query = select(CrawlRun).join(Source).options(selectinload(CrawlRun.source))
    if source:
        query = query.where(Source.key == source)
    query = query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def run_record(run: CrawlRun) -> dict[str, Any]:
    def iso(moment: dt.datetime | None) -> str | None:
        return moment.isoformat(timespec="seconds") + "Z" if moment else None

    return {
        "id": run.id,
        "source": run.source.key,
        "trigger": run.trigger,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
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
    }


def thread_records(session: Session) -> list[dict[str, Any]]:
    """Threads with their confirmed and suggested member counts (as ``monitor threads list``)."""
    counts: dict[tuple[int, MemberState], int] = {
        (thread_id, state): n
        for thread_id, state, n in session.execute(
            select(ThreadMember.thread_id, ThreadMember.state, func.count()).group_by(
                ThreadMember.thread_id, ThreadMember.state
            )
        )
    }
    return [
        {
            **thread_header(t),
            "members": counts.get((t.id, MemberState.CONFIRMED), 0),
            "suggested": counts.get((t.id, MemberState.SUGGESTED), 0),
        }
        for t in session.scalars(select(Thread).order_by(Thread.id))
    ]


def thread_header(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.id,
        "name": thread.name,
        "status": thread.status.value,
        "keywords": thread.keyword_list,
        "description": thread.description,
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
        sources=list(config.sources),
        agencies=agencies,
    )
