"""The JSON API under /api/: sources, releases, diffs, threads, runs, digests and crawls."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# runtime, and they name types local to the router factories.
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from monitor.db import transaction
from monitor.digest.build import yesterday
from monitor.digest.render import RENDERERS
from monitor.history import NotFound, find_release, release_record
from monitor.models import ReleaseStatus
from monitor.threads import find_thread, set_membership, thread_header, thread_records, timeline
from monitor.web.context import WebContext
from monitor.web.queries import (
    day_digest,
    member_record,
    recent_runs,
    run_record,
    search_releases,
)
from monitor.web.records import diff_pair, diff_record, release_detail, source_records
from monitor.web.security import require_bearer

DigestFormat = Literal["json", "html", "atom"]
Handler = Callable[..., dict[str, Any]]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many.")]
Offset = Annotated[int, Query(ge=0, description="Skip this many first.")]
WRITE: dict[int | str, dict[str, Any]] = {
    401: {"description": "The API token is configured and was not sent (or was wrong)."},
    403: {"description": "No token is configured and the request came from another site."},
}


class Membership(BaseModel):
    release: int | str = Field(description="Release id or URL.")


class CrawlRequest(BaseModel):
    sources: list[str] = Field(default=[], description="Source keys; empty: every enabled one.")


def api_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/api")
    Db = Annotated[Session, Depends(ctx.session)]

    def writer(request: Request) -> None:
        require_bearer(ctx.token, request)

    Writer = Depends(writer)

    @router.get("/sources", tags=["sources"])
    def sources(session: Db) -> list[dict[str, Any]]:
        """Every configured source: settings, last runs and health."""
        return source_records(session, ctx)

    @router.get("/releases", tags=["releases"])
    def releases(
        session: Db,
        source: str | None = None,
        since: Annotated[dt.date | None, Query(description="Published on or after.")] = None,
        status: ReleaseStatus | None = None,
        q: Annotated[str | None, Query(description="Words in the title.")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Releases newest first, filtered; ``total`` counts every match."""
        total, found = search_releases(
            session,
            source=ctx.check_source(source),
            since=since,
            status=status,
            q=q,
            limit=limit,
            offset=offset,
        )
        return {
            "total": total,
            "limit": limit,
            "offset": offset,
            "releases": [release_record(r) for r in found],
        }

    @router.get("/releases/{release_id}", tags=["releases"])
    def release(
        session: Db, release_id: int, version: Annotated[int | None, Query(ge=1)] = None
    ) -> dict[str, Any]:
        """A release: its current (or chosen) version in full and the history of versions."""
        return release_detail(session, find_release(session, str(release_id)), version)

    @router.get("/releases/{release_id}/diff", tags=["releases"])
    def diff(
        session: Db,
        release_id: int,
        old: Annotated[int | None, Query(alias="from", ge=1)] = None,
        new: Annotated[int | None, Query(alias="to", ge=1)] = None,
    ) -> dict[str, Any]:
        """Word diff per field between two versions (default: the last change), as data and HTML."""
        found = find_release(session, str(release_id))
        older, newer = diff_pair(session, found, old, new)
        return diff_record(found, older, newer)

    @router.get("/threads", tags=["threads"])
    def threads(session: Db) -> list[dict[str, Any]]:
        return thread_records(session)

    @router.get("/threads/{thread_id}", tags=["threads"])
    def thread(session: Db, thread_id: int) -> dict[str, Any]:
        """A thread's timeline across agencies, with why each release joined."""
        found = find_thread(session, str(thread_id))
        agencies = ctx.agencies()
        members = [member_record(m, agencies) for m in timeline(session, found)]
        return {**thread_header(found), "timeline": members}

    def membership(thread_id: int, body: Membership, *, attach: bool) -> dict[str, Any]:
        with transaction(ctx.sessions) as session:
            found = find_thread(session, str(thread_id))
            item = find_release(session, str(body.release))
            set_membership(session, found, item, attach=attach)
            return {
                "thread": found.id,
                "release": item.id,
                "state": "confirmed" if attach else "rejected",
                "method": "manual",
            }

    def write(path: str) -> Callable[[Handler], Handler]:
        return router.post(path, tags=["threads"], dependencies=[Writer], responses=WRITE)

    @write("/threads/{thread_id}/attach")
    @write("/threads/{thread_id}/accept")
    def attach(thread_id: int, body: Membership) -> dict[str, Any]:
        """Put a release in a thread, or accept a suggestion (a person's decision: matching
        never overrides it)."""
        return membership(thread_id, body, attach=True)

    @write("/threads/{thread_id}/detach")
    @write("/threads/{thread_id}/reject")
    def detach(thread_id: int, body: Membership) -> dict[str, Any]:
        """Take a release out of a thread, or reject a suggestion, for good (it is never
        suggested for the thread again)."""
        return membership(thread_id, body, attach=False)

    @router.get("/runs", tags=["runs"])
    def runs(
        session: Db, source: str | None = None, limit: Limit = 50, offset: Offset = 0
    ) -> list[dict[str, Any]]:
        """Crawl runs, newest first."""
        found = recent_runs(session, source=ctx.check_source(source), limit=limit, offset=offset)
        return [run_record(r) for r in found]

    def digest(session: Session, day: dt.date, fmt: DigestFormat) -> Response:
        built = day_digest(session, ctx.config, day, ctx.agencies())
        return Response(RENDERERS[fmt](built), media_type=MEDIA_TYPES[fmt])

    @router.get("/digests/yesterday", tags=["digests"])
    def digest_yesterday(session: Db, format: DigestFormat = "json") -> Response:
        """Yesterday's digest in the configured time zone."""
        return digest(session, yesterday(ctx.config.digest["timezone"]), format)

    @router.get("/digests/{day}", tags=["digests"])
    def digest_day(session: Db, day: dt.date, format: DigestFormat = "json") -> Response:
        """The digest of a day (YYYY-MM-DD) in the configured time zone."""
        return digest(session, day, format)

    @router.post(
        "/crawls",
        tags=["crawls"],
        status_code=status.HTTP_202_ACCEPTED,
        dependencies=[Writer],
        responses=WRITE,
    )
    def start_crawls(body: CrawlRequest) -> dict[str, Any]:
        """Crawl the sources now; ``already_running`` marks jobs that were running before."""
        started = ctx.crawls.trigger(ctx.crawl_sources(body.sources), trigger="api")
        return {"jobs": [{**job.as_json(), "already_running": not new} for job, new in started]}

    @router.get("/crawls", tags=["crawls"])
    def crawls() -> dict[str, Any]:
        """Running and queued crawl jobs, then recently finished ones."""
        return {"jobs": [job.as_json() for job in ctx.crawls.jobs()]}

    @router.get("/crawls/{job_id}", tags=["crawls"])
    def crawl(job_id: str) -> dict[str, Any]:
        job = ctx.crawls.job(job_id)
        if job is None:
            raise NotFound(f"no crawl job {job_id!r}")
        return job.as_json()

    return router
