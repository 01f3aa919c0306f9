"""HTML pages: dashboard, releases, threads (and a feed of each), digests and runs, plus the
handlers of the crawl button and of the accept and reject buttons of a thread.

Jinja2 autoescapes every value. The only markup made in Python is :func:`monitor.diff.render_html`
output; the digest's own HTML page goes into a sandboxed frame's ``srcdoc`` as an escaped
attribute value.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# runtime, and they name types local to the router factories.
import datetime as dt
import itertools
import zoneinfo
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import Session

from monitor.db import transaction
from monitor.diff import render_html, version_diff
from monitor.digest.build import yesterday
from monitor.digest.present import baseline_line, baseline_note, safe_url
from monitor.digest.render import RENDERERS
from monitor.digest.render_atom import render_thread_atom
from monitor.digest.thread_feed import build_thread_feed
from monitor.history import find_release
from monitor.models import ReleaseStatus
from monitor.threads import find_thread, set_membership, thread_header, thread_records, timeline
from monitor.web.context import WebContext
from monitor.web.queries import (
    day_digest,
    member_record,
    recent_runs,
    run_record,
    search_releases,
    today,
)
from monitor.web.records import release_detail, source_records
from monitor.web.security import check_origin, token_matches

TEMPLATES = Path(__file__).parent / "templates"
ATOM = "application/atom+xml; charset=utf-8"
Token = Annotated[str, Form()]  # the API token, from a password field of a write form
ReleaseField = Annotated[str, Form(min_length=1)]  # a release id or URL
PAGE_SIZE = 50
LATEST = 8  # releases of each kind shown on the dashboard
MAX_NOTICES = 20  # crawl jobs named in the dashboard's notice


def make_templates(ctx: WebContext) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    zone = zoneinfo.ZoneInfo(ctx.config.digest["timezone"])

    def when(value: str | dt.datetime | None) -> str:
        """A stored time (naive UTC or ISO with Z/offset) in the digest's zone."""
        if not value:
            return ""
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    env.filters["when"] = when
    env.filters["http_url"] = safe_url
    env.filters["baseline_line"] = baseline_line
    env.filters["baseline_note"] = baseline_note
    env.globals["token_required"] = ctx.token is not None
    env.globals["source_keys"] = list(ctx.config.sources)
    env.globals["zone"] = ctx.config.digest["timezone"]
    return Jinja2Templates(env=env)


def error_page(request: Request, status: int, message: str) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def page_router(ctx: WebContext, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    Db = Annotated[Session, Depends(ctx.session)]

    def page(request: Request, name: str, **values: Any) -> Response:
        return templates.TemplateResponse(request, name, values)

    @router.get("/")
    def dashboard(request: Request, session: Db, jobs: str = "") -> Response:
        day = today(ctx.config)
        digest = day_digest(session, ctx.config, day, ctx.agencies())
        asked = [i for i in jobs.split(",") if i][:MAX_NOTICES]
        started = [j for j in map(ctx.crawls.job, asked) if j is not None]
        return page(
            request,
            "dashboard.html",
            title="Dashboard",
            day=day,
            sources=source_records(session, ctx),
            digest=digest,
            new=list(reversed(digest.new))[:LATEST],
            edited=list(reversed(digest.edited))[:LATEST],
            removed=list(reversed(digest.removed))[:LATEST],
            started=started,
            jobs=ctx.crawls.jobs()[:10],
        )

    @router.post("/crawl")
    def crawl(request: Request, source: Annotated[str, Form()] = "", token: Token = "") -> Response:
        check_origin(ctx.token, request)
        if not token_matches(ctx.token, token):
            return error_page(request, 401, "wrong or missing token: crawl not started")
        keys = ctx.crawl_sources([source] if source else [])
        started = ctx.crawls.trigger(keys, trigger="api")
        query = urlencode({"jobs": ",".join(job.id for job, _ in started)})
        return RedirectResponse(f"/?{query}", status_code=303)

    @router.get("/releases")
    def releases(
        request: Request,
        session: Db,
        q: str = "",
        source: str = "",
        status: ReleaseStatus | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        total, found = search_releases(
            session,
            source=ctx.check_source(source),
            status=status,
            q=q,
            limit=PAGE_SIZE,
            offset=offset,
        )
        keep = {"q": q, "source": source, "status": status.value if status else ""}
        keep = {k: v for k, v in keep.items() if v}

        def link(at: int) -> str:
            return "/releases?" + urlencode({**keep, "offset": at})

        return page(
            request,
            "releases.html",
            title="Releases",
            q=q,
            source=source,
            status=status.value if status else "",
            total=total,
            offset=offset,
            releases=found,
            previous=link(max(offset - PAGE_SIZE, 0)) if offset else None,
            next=link(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
        )

    @router.get("/releases/{release_id}")
    def release(
        request: Request,
        session: Db,
        release_id: int,
        version: Annotated[int | None, Query(ge=1)] = None,
    ) -> Response:
        found = find_release(session, str(release_id))
        detail = release_detail(session, found, version)
        versions = found.versions
        changes = [
            {
                "older": older.number,
                "newer": newer.number,
                "at": newer.fetched_at,
                "fields": [
                    (d.field, d.changed, Markup(render_html(d)))  # noqa: S704 -- escapes itself
                    for d in version_diff(older, newer)
                ],
            }
            for older, newer in itertools.pairwise(versions)
        ]
        return page(
            request,
            "release.html",
            title=detail["version"]["title"],
            release=detail,
            agency=ctx.agency(detail["source"]),
            paragraphs=detail["version"]["body"].split("\n\n"),
            changes=list(reversed(changes)),
        )

    @router.get("/threads")
    def threads(request: Request, session: Db) -> Response:
        return page(request, "threads.html", title="Threads", threads=thread_records(session))

    @router.get("/threads/{thread_id}", name="thread_page")
    def thread(
        request: Request,
        session: Db,
        thread_id: int,
        accepted: int | None = None,
        rejected: int | None = None,
    ) -> Response:
        found = find_thread(session, str(thread_id))
        agencies = ctx.agencies()
        members = [member_record(m, agencies) for m in timeline(session, found)]
        return page(
            request,
            "thread.html",
            title=found.name,
            thread=thread_header(found),
            members=members,
            agencies=sorted({m["agency"] for m in members}),
            accepted=accepted,
            rejected=rejected,
        )

    @router.get("/threads/{thread_id}/feed.atom")
    def thread_feed(request: Request, session: Db, thread_id: int) -> Response:
        found = find_thread(session, str(thread_id))
        feed = build_thread_feed(
            session, found, agencies=ctx.agencies(), timezone=ctx.config.digest["timezone"]
        )
        page_url = str(request.url_for("thread_page", thread_id=found.id))
        return Response(render_thread_atom(feed, page_url=page_url), media_type=ATOM)

    def decide(
        request: Request, thread_id: int, release: str, token: str, *, attach: bool
    ) -> Response:
        """A person's decision on a release in a thread, from the thread page's buttons."""
        check_origin(ctx.token, request)
        if not token_matches(ctx.token, token):
            return error_page(request, 401, "wrong or missing token: nothing was changed")
        with transaction(ctx.sessions) as session:
            found = find_thread(session, str(thread_id))
            item = find_release(session, release)
            set_membership(session, found, item, attach=attach)
            release_id = item.id
        query = urlencode({"accepted" if attach else "rejected": release_id})
        return RedirectResponse(f"/threads/{thread_id}?{query}", status_code=303)

    @router.post("/threads/{thread_id}/accept")
    def accept(
        request: Request, thread_id: int, release: ReleaseField, token: Token = ""
    ) -> Response:
        return decide(request, thread_id, release, token, attach=True)

    @router.post("/threads/{thread_id}/reject")
    def reject(
        request: Request, thread_id: int, release: ReleaseField, token: Token = ""
    ) -> Response:
        return decide(request, thread_id, release, token, attach=False)

    def digest_page(request: Request, session: Session, day: dt.date) -> Response:
        built = day_digest(session, ctx.config, day, ctx.agencies())
        return page(
            request,
            "digest.html",
            title=f"Digest {day.isoformat()}",
            day=day,
            previous=day - dt.timedelta(days=1),
            next=day + dt.timedelta(days=1) if day < today(ctx.config) else None,
            document=RENDERERS["html"](built),  # a whole page: escaped into srcdoc
        )

    @router.get("/digest")
    def digest_yesterday(request: Request, session: Db) -> Response:
        return digest_page(request, session, yesterday(ctx.config.digest["timezone"]))

    @router.get("/digest/{day}")
    def digest_day(request: Request, session: Db, day: dt.date) -> Response:
        return digest_page(request, session, day)

    @router.get("/runs")
    def runs(request: Request, session: Db, source: str = "") -> Response:
        found = recent_runs(session, source=ctx.check_source(source), limit=200)
        return page(
            request, "runs.html", title="Crawl runs", source=source, runs=map(run_record, found)
        )

    return router
