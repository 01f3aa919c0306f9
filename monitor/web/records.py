"""JSON shapes of sources, releases and diffs, built from the store's own record functions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.diff import FieldDiff, render_html, version_diff
from monitor.history import NotFound, get_version, release_record, utc_iso, version_record
from monitor.models import MemberState, Release, Source, Thread, ThreadMember, Version
from monitor.problems import open_problems
from monitor.web.context import WebContext
from monitor.web.queries import recent_runs, run_record

RUNS_PER_SOURCE = 5


def source_records(session: Session, ctx: WebContext) -> list[dict[str, Any]]:
    """Each source: its settings, its last runs, and its health (the last run's verdict and
    the open health problems)."""
    records = []
    problems = open_problems(session)
    baselined = dict(session.execute(select(Source.key, Source.baselined_at)).all())
    for key, source in ctx.config.sources.items():
        runs = [run_record(r) for r in recent_runs(session, source=key, limit=RUNS_PER_SOURCE)]
        last = runs[0] if runs else None
        records.append(
            {
                "source": key,
                "agency": ctx.agency(key),
                "kind": source.kind,
                "enabled": source.enabled,
                "start_urls": list(source.listing_urls),
                "settings": dict(source.crawl),
                "health": {
                    "status": last["status"] if last else "no runs",
                    "error": last["error"] if last else None,
                    "at": last["started_at"] if last else None,
                    "problems": [p.as_json() for p in problems.get(key, [])],
                },
                "last_runs": runs,
                "baselined_at": utc_iso(baselined.get(key)),
            }
        )
    return records


def release_detail(session: Session, release: Release, number: int | None = None) -> dict[str, Any]:
    """A release with one version in full (the current one by default) and its history."""
    record = release_record(release)
    record["version"] = version_record(get_version(session, release, number))
    record["history"] = [version_record(v, body=False) for v in release.versions]
    record["threads"] = release_threads(session, release)
    return record


def release_threads(session: Session, release: Release) -> list[dict[str, Any]]:
    """The threads a release is in (confirmed or suggested), with how it came there."""
    rows = session.execute(
        select(ThreadMember, Thread)
        .join(Thread, ThreadMember.thread_id == Thread.id)
        .where(ThreadMember.release_id == release.id, ThreadMember.state != MemberState.REJECTED)
        .order_by(Thread.name)
    ).all()
    return [
        {
            "id": thread.id,
            "name": thread.name,
            "status": thread.status.value,
            "state": member.state.value,
            "method": member.method.value,
            "history": member.history,
            "score": member.score,
            "reason": member.reason,
        }
        for member, thread in rows
    ]


def diff_pair(
    session: Session, release: Release, old: int | None, new: int | None
) -> tuple[Version, Version]:
    """Versions ``old`` and ``new`` (default: the current one and the one before it)."""
    newer = get_version(session, release, new)
    if old is None:
        if newer.number == 1:
            raise NotFound(f"release {release.id} has only one version: nothing to compare")
        old = newer.number - 1
    return get_version(session, release, old), newer


def field_record(diff: FieldDiff) -> dict[str, Any]:
    return {
        "field": diff.field,
        "changed": diff.changed,
        "old": diff.old,
        "new": diff.new,
        "chunks": [{"op": c.op, "text": c.text} for c in diff.chunks],
        "html": render_html(diff),
    }


def diff_record(release: Release, older: Version, newer: Version) -> dict[str, Any]:
    return {
        "release": release.id,
        "from": version_record(older, body=False),
        "to": version_record(newer, body=False),
        "fields": [field_record(d) for d in version_diff(older, newer)],
    }
